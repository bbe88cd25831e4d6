import { VERSION } from '../../shared/version.js'

/** The CLI does not read package.json at start-up. */
export const AGENT_VERSION = VERSION

/** systemd's RuntimeDirectory=ecr-deploy creates /run/ecr-deploy (0700) for the daemon. */
export const DEFAULT_SOCKET = '/run/ecr-deploy/agent.sock'
