import { VERSION } from '../../shared/version.ts'

/** The CLI does not read package.json at start-up. */
export const AGENT_VERSION = VERSION
