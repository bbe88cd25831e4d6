/*
 * The agent's and the proxy's environment, read in one place into frozen settings. It imports nothing of
 * the agent, so every layer (the CLI, the daemon, the proxy) may read it. The job schedules
 * (ECR_DEPLOY_AGENT_CRON_*) are parsed by jobs/schedules.ts, which needs node-cron to check them; this
 * file stays light enough for the CLI.
 */

/** The variables, by setting; the CLI's `--socket` and `--config` name the same ones. */
export const SETTING_VARIABLES = Object.freeze({
  socket: 'ECR_DEPLOY_AGENT_SOCKET',
  configPath: 'ECR_DEPLOY_AGENT_CONFIG',
  stateDir: 'ECR_DEPLOY_AGENT_STATE_DIR',
  proxySocket: 'ECR_DEPLOY_PROXY_SOCKET',
  proxyState: 'ECR_DEPLOY_PROXY_STATE',
})

/** systemd's RuntimeDirectory=ecr-deploy creates /run/ecr-deploy (0700) for the daemon. */
export const DEFAULT_SOCKET = '/run/ecr-deploy/agent.sock'

export const DEFAULT_CONFIG_PATH = '/etc/ecr-deploy/agent.yaml'

/** The proxy's own unit: its control socket and the routes file it keeps. */
export const DEFAULT_PROXY_SOCKET = '/run/ecr-deploy-proxy/proxy.sock'
export const DEFAULT_PROXY_STATE = '/var/lib/ecr-deploy-proxy/routes.json'

/** systemd's StateDirectory=ecr-deploy: the release ledgers and desired-state holds. */
export const DEFAULT_STATE_DIR = '/var/lib/ecr-deploy'

export interface AgentSettings {
  /** The daemon's API socket. */
  readonly socket: string
  readonly configPath: string
  readonly stateDir: string
  /** The proxy's control socket, which the agent talks to for blue-green services. */
  readonly proxySocket: string
  /** The proxy's routes file. */
  readonly proxyState: string
}

const DEFAULTS: AgentSettings = {
  socket: DEFAULT_SOCKET,
  configPath: DEFAULT_CONFIG_PATH,
  stateDir: DEFAULT_STATE_DIR,
  proxySocket: DEFAULT_PROXY_SOCKET,
  proxyState: DEFAULT_PROXY_STATE,
}

/** Each setting from its variable, or its default when the variable is unset. */
export function settingsFromEnv(env: Readonly<Record<string, string | undefined>>): AgentSettings {
  const settings = { ...DEFAULTS }
  for (const key of Object.keys(SETTING_VARIABLES) as (keyof AgentSettings)[]) {
    const value = env[SETTING_VARIABLES[key]]
    if (value !== undefined) settings[key] = value
  }
  return Object.freeze(settings)
}
