import { setTimeout as sleep } from 'node:timers/promises'
import { SSMClient } from '@aws-sdk/client-ssm'
import type { Logger } from 'pino'
import type { AgentConfig } from '../shared/agent-config/types.ts'
import { ConfigError } from '../shared/errors.ts'
import { parseImageRef } from '../shared/image-ref.ts'
import { createLogger } from '../shared/log.ts'
import type { ReleaseSelector } from '../shared/release.ts'
import { VERSION as AGENT_VERSION } from '../shared/version.ts'
import { trackInFlight } from './api/in-flight.ts'
import { listenOnSocket } from './api/listen.ts'
import { buildServer, type ReloadOutcome } from './api/server.ts'
import { loadConfig } from './config/load.ts'
import { settingsFromEnv } from './config/settings.ts'
import { createDeployer } from './deploy/create-deployer.ts'
import { releaseDeploy } from './deploy/release-request.ts'
import { DockerodeEngine } from './docker/dockerode-engine.ts'
import { EcrRegistryAuth } from './ecr/ecr-registry-auth.ts'
import { systemClock } from './health/clock.ts'
import { scheduleJobs } from './jobs/cron.ts'
import { holdDesiredOnRollback } from './jobs/desired-hold.ts'
import { desiredStateJob } from './jobs/desired-state.ts'
import { exclusive } from './jobs/exclusive.ts'
import { OFFSET_JOBS, schedulesFromEnv } from './jobs/schedules.ts'
import { tokenRefreshJob } from './jobs/token-refresh.ts'
import { ProxyClient } from './proxy/proxy-client.ts'
import { ParameterStore } from './ssm/parameter-store.ts'
import { FileStateStore } from './state/file-state-store.ts'
import { FileHoldStore } from './state/hold-store.ts'

/** How long SIGTERM waits for a running deploy before the daemon exits anyway (systemd's TimeoutStopSec is 150 s). */
const STOP_GRACE_MS = 120_000

export interface DaemonOptions {
  readonly socketPath: string
  readonly verbose: boolean
  /** Configuration file; default: the settings' (ECR_DEPLOY_AGENT_CONFIG, then /etc/ecr-deploy/agent.yaml). */
  readonly config?: string
}

/**
 * The daemon: the only place that builds the real adapters and wires them together. Resolves once a
 * SIGTERM/SIGINT shutdown is complete; startup failures (invalid configuration, socket taken) reject.
 */
export async function runDaemon(options: DaemonOptions): Promise<void> {
  const env = process.env
  const settings = settingsFromEnv(env)
  const logger = createLogger('ecr-deploy-agent')
  if (options.verbose) logger.level = 'debug'
  // Registered first: SIGHUP's default action would kill a daemon that is still starting.
  let onHangup = (): void =>
    logger.warn('SIGHUP while starting: ignored, send it again once the agent listens')
  process.on('SIGHUP', () => onHangup())
  const configPath = options.config ?? settings.configPath
  let config = await loadConfig(configPath)
  const schedules = schedulesFromEnv(env)

  const registryAuth = new EcrRegistryAuth()
  const region = regionOf(config, env)
  const parameters = new ParameterStore(new SSMClient(region === undefined ? {} : { region }))
  const { stateDir } = settings
  const holds = new FileHoldStore(stateDir)
  const warn = (message: string): void => logger.warn({ job: 'desired-state' }, message)
  const deployer = trackInFlight(
    holdDesiredOnRollback(
      createDeployer({
        config: () => config,
        docker: new DockerodeEngine(),
        registryAuth,
        parameters,
        state: new FileStateStore(stateDir),
        clock: systemClock,
        logger,
        // Only blue-green services talk to it; a host without ecr-deploy-proxy still runs recreate ones.
        traffic: new ProxyClient(settings.proxySocket),
      }),
      { holds, source: parameters, warn },
    ),
  )

  const reload = async (): Promise<ReloadOutcome> => {
    const next = await loadConfig(configPath)
    config = next
    const services = Object.keys(next.services)
    const message = `configuration reloaded from ${configPath}: ${services.length} service(s) (${services.join(', ')})`
    logger.info({ services }, message)
    return { services, message }
  }

  const services = (): readonly string[] => Object.keys(config.services)
  const jobs = {
    reconcile: exclusive('reconcile', () => deployer.reconcile(), logger),
    'desired-state': exclusive(
      'desired-state',
      desiredStateJob({
        deployer,
        releases: parameters,
        source: parameters,
        holds,
        services,
        environment: () => config.environment,
        warn,
      }),
      logger,
    ),
    prune: exclusive('prune', () => deployer.prune(), logger),
    'token-refresh': exclusive(
      'token-refresh',
      tokenRefreshJob({ auth: registryAuth, repositories: () => repositoriesOf(config) }),
      logger,
    ),
  }

  const releases = (service: string, selector: ReleaseSelector) =>
    releaseDeploy(parameters, config, service, selector)
  const app = buildServer({ deployer, releases, reload, logger, version: AGENT_VERSION })
  await listenOnSocket(app, options.socketPath)
  logger.info({ socket: options.socketPath, config: configPath, services: services() }, 'agent listening')

  // Finish or undo what a crash interrupted before taking desired state from Parameter Store.
  const startup = jobs.reconcile().then(() => jobs['desired-state']())
  // Each instance takes its own place in the interval, kept for this daemon run.
  const offsets = Object.fromEntries(OFFSET_JOBS.map((job) => [job, Math.random()]))
  const scheduled = scheduleJobs(schedules, jobs, { offsets })

  onHangup = () => {
    reload().catch((error: unknown) => {
      const message = error instanceof ConfigError ? error.message : String(error)
      logger.error({ err: error }, `reload refused, the previous configuration stays: ${message}`)
    })
  }

  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      logger.info({ signal, inFlight: deployer.inFlight }, 'stopping: finishing running operations first')
      resolve()
    }
    process.once('SIGTERM', () => stop('SIGTERM'))
    process.once('SIGINT', () => stop('SIGINT'))
  })
  await shutdown(logger, async () => {
    await scheduled.stop()
    await Promise.all([startup, ...Object.values(jobs).map((job) => job.settled())])
    await Promise.all([app.close(), deployer.idle()])
  })
}

async function shutdown(logger: Logger, drain: () => Promise<void>): Promise<void> {
  const finished = await Promise.race([drain().then(() => true), sleep(STOP_GRACE_MS, false, { ref: false })])
  if (finished) logger.info('stopped')
  else
    logger.warn(
      `stopped after ${STOP_GRACE_MS / 1000} s with an operation still running; reconcile will finish it`,
    )
}

/**
 * The SDK does not ask IMDS for the region, so without AWS_REGION the agent uses the region of its first
 * repository: Parameter Store values live next to the images in every setup this tool creates.
 */
function regionOf(config: AgentConfig, env: NodeJS.ProcessEnv): string | undefined {
  const [repository] = repositoriesOf(config)
  return (
    env.AWS_REGION ??
    env.AWS_DEFAULT_REGION ??
    (repository ? parseImageRef(`${repository}:x`).region : undefined)
  )
}

function repositoriesOf(config: AgentConfig): readonly string[] {
  return Object.values(config.services).map((service) => service.repository)
}
