import type { ServiceConfig } from '../../shared/agent-config/types.js'
import { networkProbes } from '../health/probes.js'
import { waitHealthy } from '../health/wait-healthy.js'
import { beginRelease, commitRelease, type ServiceLedger } from '../state/ledger.js'
import { LABEL_RELEASE, managedLabels, releaseContainerSpec } from './container-spec.js'
import type { ProgressEvent, ReleaseRecord } from './deployer.js'
import type { DeployerDeps } from './deps.js'
import type { DeployStep } from './plan.js'
import { pullImage } from './prepare.js'
import { drain, routeTo, unroute } from './traffic.js'

/** A release's container did not become healthy; `reason` says what the health check saw. */
export class UnhealthyReleaseError extends Error {
  constructor(
    readonly releaseId: string,
    readonly reason: string,
  ) {
    super(`release ${releaseId} did not become healthy: ${reason}`)
  }
}

export interface StepRunnerInput {
  readonly deps: DeployerDeps
  readonly agentId: string
  readonly service: ServiceConfig
  readonly env: Readonly<Record<string, string>>
  readonly ledger: ServiceLedger
  readonly progress: (phase: ProgressEvent['phase'], message: string) => void
}

/**
 * Runs planned steps against Docker and the state store, one at a time, and remembers what it
 * did (containers created, the ledger now on disk) so that a failure can be undone.
 */
export class StepRunner {
  readonly containers = new Map<string, string>()
  ledger: ServiceLedger
  /** The release that record-intent marks as pending, and commit finishes. */
  pending: ReleaseRecord | undefined
  committed: ReleaseRecord | undefined
  /** Containers a `stop` step stopped, in order: what undoing a move to blue-green starts again. */
  readonly stopped: string[] = []

  constructor(
    private readonly input: StepRunnerInput,
    private readonly finish: (release: ReleaseRecord) => ReleaseRecord = (release) => release,
  ) {
    this.ledger = input.ledger
  }

  async run(steps: readonly DeployStep[]): Promise<void> {
    for (const step of steps) await this.#step(step)
  }

  async #step(step: DeployStep): Promise<void> {
    const { deps, progress } = this.input
    switch (step.kind) {
      case 'pull':
        progress('pull', `pulling ${step.image}`)
        await pullImage(deps, step.image, (line) => progress('pull', line))
        return
      case 'record-intent': {
        if (!this.pending) throw new Error('record-intent without a pending release')
        this.ledger = beginRelease(this.ledger, this.pending)
        await deps.state.write(this.ledger)
        return
      }
      case 'stop':
        progress('stop', `stopping container ${step.containerId.slice(0, 12)}`)
        await deps.docker.stop(step.containerId, step.timeoutSeconds)
        this.stopped.push(step.containerId)
        return
      case 'resume':
        progress('rollback', `starting container ${step.containerId.slice(0, 12)} again`)
        await deps.docker.start(step.containerId)
        return
      case 'unroute':
        await unroute(deps, this.input.service, step.names)
        progress('switch', `the proxy gave up ${step.names.join(', ')}`)
        return
      case 'start':
        return this.#start(step.releaseId, step.image)
      case 'wait-health':
        return this.#waitHealth(step.releaseId)
      case 'commit': {
        if (!this.pending) throw new Error('commit without a pending release')
        this.committed = this.finish(this.pending)
        this.ledger = commitRelease(this.ledger, this.committed)
        await deps.state.write(this.ledger)
        progress('switch', `release ${step.releaseId} is now current`)
        return
      }
      case 'remove':
        await deps.docker.remove(step.containerId)
        return
      case 'route':
        await routeTo(deps, this.input.service, await this.#containerOf(step.releaseId))
        progress('switch', `the proxy sends new connections to release ${step.releaseId}`)
        return
      case 'drain': {
        const left = await drain(deps, this.input.service, step.containerId, step.timeoutSeconds)
        progress(
          'stop',
          left === 0
            ? `container ${step.containerId.slice(0, 12)} drained`
            : `container ${step.containerId.slice(0, 12)} still had ${left} connection(s) after ${step.timeoutSeconds} s; stopping it`,
        )
        return
      }
    }
  }

  /** The container this runner started for the release, else the running one Docker lists for it. */
  async #containerOf(releaseId: string): Promise<string> {
    const started = this.containers.get(releaseId)
    if (started !== undefined) return started
    const { deps, agentId, service } = this.input
    const listed = await deps.docker.listContainers({
      ...managedLabels(agentId, service.name),
      [LABEL_RELEASE]: releaseId,
    })
    const running = listed.find((c) => c.state === 'running')
    if (!running) throw new UnhealthyReleaseError(releaseId, 'no running container to send traffic to')
    return running.id
  }

  async #start(releaseId: string, image: string): Promise<void> {
    const { deps, progress } = this.input
    // A restore may need an image that was pruned since; pulling it back is better than staying down.
    if ((await deps.docker.inspectImage(image)) === null) {
      progress('pull', `pulling ${image}`)
      await pullImage(deps, image, (line) => progress('pull', line))
    }
    const spec = releaseContainerSpec({ ...this.input, releaseId, image })
    progress('start', `starting ${spec.name}`)
    try {
      const id = await deps.docker.create(spec)
      this.containers.set(releaseId, id)
      await deps.docker.start(id)
    } catch (error) {
      // Not starting (a port taken, a bad volume) is the release failing, like an unhealthy one.
      throw new UnhealthyReleaseError(releaseId, `the container could not start: ${(error as Error).message}`)
    }
  }

  async #waitHealth(releaseId: string): Promise<void> {
    const { deps, service, progress } = this.input
    const id = this.containers.get(releaseId)
    if (id === undefined) throw new Error(`wait-health before start of ${releaseId}`)
    const verdict = await waitHealthy({
      check: service.healthCheck,
      inspect: () => deps.docker.inspect(id),
      probes: deps.probes ?? networkProbes,
      clock: deps.clock,
    })
    if (!verdict.healthy) throw new UnhealthyReleaseError(releaseId, verdict.reason)
    progress('health', `release ${releaseId} is healthy after ${verdict.checks} check(s): ${verdict.detail}`)
  }
}
