/** Kept in step with package.json by the release process; the CLI does not read package.json at start-up. */
export const AGENT_VERSION = '0.1.0'

/** systemd's RuntimeDirectory=ecr-deploy creates /run/ecr-deploy (0700) for the daemon. */
export const DEFAULT_SOCKET = '/run/ecr-deploy/agent.sock'
