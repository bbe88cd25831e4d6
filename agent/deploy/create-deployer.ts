import type { ServiceConfig } from '../../shared/agent-config/types.ts'
import { NoPreviousReleaseError, UsageError } from '../../shared/errors.ts'
import { assertServiceName } from '../../shared/service-name.ts'
import { findRelease, type ReleaseRecord } from '../state/ledger.ts'
import {
  type Deployer,
  type DeployOutcome,
  type DeployRequest,
  orphanAction,
  type ProgressEvent,
  type PullOutcome,
  type PullRequest,
  type RollbackRequest,
  type ServiceStatus,
  type UpkeepReport,
} from './deployer.ts'
import type { DeployerDeps } from './deps.ts'
import { resolveImage, serviceOf, validateRequest } from './prepare.ts'
import { pruneService } from './prune.ts'
import { pullRelease } from './pull-release.ts'
import { reconcileService } from './reconcile.ts'
import { recordedService, requestedService } from './release-config.ts'
import { orphanedServices, retireService } from './retire.ts'
import { serves, serviceContainers } from './service-containers.ts'
import { ServiceLocks } from './service-locks.ts'
import { switchRelease } from './switch-release.ts'

/** Builds the agent's Deployer. It starts nothing by itself: agent/main.ts calls reconcile() at start. */
export function createDeployer(deps: DeployerDeps): Deployer {
  return new AgentDeployer(deps)
}

/** Deploys, rolls back and keeps up every configured service, each with its own strategy. */
class AgentDeployer implements Deployer {
  readonly #locks = new ServiceLocks()

  private readonly deps: DeployerDeps

  constructor(deps: DeployerDeps) {
    this.deps = deps
  }

  async deploy(request: DeployRequest): Promise<DeployOutcome> {
    const config = this.deps.config()
    const entry = serviceOf(config, request.service)
    // The policy first: a refused release names every key at fault, the image's repository included.
    const service = requestedService(entry, config.file, request.image, request.release)
    const { ref } = validateRequest(config, request.service, request.image)
    return this.#locks.run(service.name, request.wait ?? false, async () => {
      const startedAt = this.deps.clock.now()
      const progress = this.#progress(service.name, request.onProgress)
      progress(
        'resolve',
        `resolving ${request.release ? `release ${request.release.selector}: ` : ''}${request.image}`,
      )
      const target = await resolveImage(this.deps, ref, (line) => progress('pull', line))
      return switchRelease(this.deps, {
        agentId: config.agentId,
        service,
        entry: { service: entry, file: config.file },
        ...(request.release ? { release: request.release } : {}),
        target,
        resultOnSuccess: 'deployed',
        startedAt,
        progress,
      })
    })
  }

  pull(request: PullRequest): Promise<PullOutcome> {
    return pullRelease(this.deps, request)
  }

  async rollback(request: RollbackRequest): Promise<DeployOutcome> {
    const config = this.deps.config()
    const service = serviceOf(config, request.service)
    return this.#locks.run(service.name, false, async () => {
      const startedAt = this.deps.clock.now()
      const progress = this.#progress(service.name, request.onProgress)
      const ledger = await this.deps.state.read(service.name)
      const target = request.to === undefined ? ledger.previous : findRelease(ledger, request.to)
      if (!target) {
        throw new NoPreviousReleaseError(
          request.to === undefined
            ? `service "${service.name}" has no previous release to roll back to`
            : `service "${service.name}" has no successful release "${request.to}" (see \`ecr-deploy-agent history --service ${service.name}\`)`,
        )
      }
      progress('resolve', `rolling back to release ${target.id} (${target.image})`)
      const local = (await this.deps.docker.inspectImage(target.image)) !== null
      // The release rolled back to runs its own spec again, checked against the file as it is now.
      const ref =
        target.release === undefined || target.spec === undefined
          ? undefined
          : { selector: target.release, spec: target.spec }
      return switchRelease(this.deps, {
        agentId: config.agentId,
        service: requestedService(service, config.file, target.image, ref),
        entry: { service, file: config.file },
        ...(ref ? { release: ref } : {}),
        target: { image: target.image, digest: target.digest, local },
        resultOnSuccess: 'rolled-back',
        startedAt,
        progress,
      })
    })
  }

  async status(serviceName?: string): Promise<readonly ServiceStatus[]> {
    const config = this.deps.config()
    const services =
      serviceName === undefined ? Object.values(config.services) : [serviceOf(config, serviceName)]
    return Promise.all(services.map((service) => this.#statusOf(config.agentId, config.file, service)))
  }

  async history(serviceName: string): Promise<readonly ReleaseRecord[]> {
    const ledger = await this.deps.state.read(assertServiceName(serviceName))
    return [...ledger.history].reverse()
  }

  async reconcile(): Promise<UpkeepReport> {
    const report = await this.#upkeep('reconcile', reconcileService)
    const config = this.deps.config()
    const orphans = await orphanedServices(this.deps, config.agentId, new Set(Object.keys(config.services)))
    const warnings = [...orphans].map(([service, count]) => orphanAction(service, count))
    if (warnings.length > 0)
      this.deps.logger.warn({ orphans: Object.fromEntries(orphans) }, warnings.join('; '))
    return { actions: [...report.actions, ...warnings] }
  }

  async retire(serviceName: string): Promise<UpkeepReport> {
    const name = assertServiceName(serviceName)
    const config = this.deps.config()
    if (config.services[name]) {
      throw new UsageError(
        `service "${name}" is still in the configuration; remove it from the file, reload the agent (systemctl reload ecr-deploy-agent), then retire it`,
      )
    }
    return this.#locks.run(name, false, async () => {
      const actions = await retireService(this.deps, config.agentId, name)
      this.deps.logger.info({ service: name, actions }, 'service retired')
      return { actions: actions.map((action) => `${name}: ${action}`) }
    })
  }

  async prune(): Promise<UpkeepReport> {
    return this.#upkeep('prune', pruneService)
  }

  /** Runs a per-service upkeep task; a service being deployed is skipped, not waited for. */
  async #upkeep(
    name: string,
    task: (deps: DeployerDeps, agentId: string, service: ServiceConfig) => Promise<string[]>,
  ): Promise<UpkeepReport> {
    const config = this.deps.config()
    const actions: string[] = []
    for (const service of Object.values(config.services)) {
      if (this.#locks.isHeld(service.name)) {
        actions.push(`${service.name}: skipped, a deploy is running`)
        continue
      }
      try {
        actions.push(
          ...(await this.#locks.run(service.name, false, () => task(this.deps, config.agentId, service))),
        )
      } catch (error) {
        actions.push(`${service.name}: ${name} failed: ${(error as Error).message}`)
      }
    }
    if (actions.length > 0) this.deps.logger.info({ actions }, `${name} done`)
    return { actions }
  }

  async #statusOf(agentId: string, file: string, entry: ServiceConfig): Promise<ServiceStatus> {
    const ledger = await this.deps.state.read(entry.name)
    const service = recordedService(entry, file, ledger.current)
    const containers = await serviceContainers(this.deps, agentId, service.name)
    const base = {
      service: service.name,
      ...(ledger.current ? { current: ledger.current } : {}),
      ...(ledger.previous ? { previous: ledger.previous } : {}),
      ...(ledger.current?.release === undefined ? {} : { release: ledger.current.release }),
    }
    if (this.#locks.isHeld(service.name)) return { ...base, state: 'deploying', healthy: null }
    const { current } = ledger
    if (!current) return { ...base, state: 'not-deployed', healthy: null }
    const container = containers.find((c) => c.releaseId === current.id)
    if (!container) return { ...base, state: 'missing', healthy: null }
    if (!container.running) return { ...base, state: 'stopped', healthy: false, containerId: container.id }
    const healthy = await serves(this.deps, service, containers, current.id)
    return { ...base, state: 'running', healthy, containerId: container.id }
  }

  #progress(service: string, onProgress: DeployRequest['onProgress']) {
    return (phase: ProgressEvent['phase'], message: string) => {
      this.deps.logger.info({ service, phase }, message)
      onProgress?.({ service, phase, message })
    }
  }
}
