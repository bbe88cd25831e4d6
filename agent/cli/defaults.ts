import { VERSION } from '../../shared/version.js'

/** The CLI does not read package.json at start-up. */
export const AGENT_VERSION = VERSION
