import type { ServiceConfig } from '../../shared/agent-config/types.ts'
import {
  abandonRelease,
  beginRelease,
  commitRelease,
  type ReleaseRecord,
  type ServiceLedger,
} from '../state/ledger.ts'
import { LABEL_RELEASE, managedLabels } from './container-labels.ts'
import { releaseContainerSpec } from './container-spec.ts'
import type { ProgressEvent } from './deployer.ts'
import type { DeployerDeps } from './deps.ts'
import { healthOf } from './health-gate.ts'
import type { DeployStep } from './plan.ts'
import { pullImage } from './prepare.ts'
import { drain, routeTo, unroute } from './traffic.ts'

/** A release's container did not become healthy; `reason` says what the health check saw. */
export class UnhealthyReleaseError extends Error {
  readonly releaseId: string
  readonly reason: string

  constructor(releaseId: string, reason: string) {
    super(`release ${releaseId} did not become healthy: ${reason}`)
    this.releaseId = releaseId
    this.reason = reason
  }
}

export interface StepRunnerInput {
  readonly deps: DeployerDeps
  readonly agentId: string
  readonly service: ServiceConfig
  /** The containers' environment; read when a `start` step first needs it. */
  readonly env: () => Promise<Readonly<Record<string, string>>>
  /**
   * Releases that run another spec than `service` (the previous release a failed switch restores), by
   * release id: their service and environment.
   */
  readonly others?: ReadonlyMap<string, ReleaseService>
  readonly ledger: ServiceLedger
  readonly progress: (phase: ProgressEvent['phase'], message: string) => void
  /** The release a switch installs; a runner without one runs no step that records it. */
  readonly pending?: PendingRelease
}

/** A release's own service and the environment its containers get. */
export interface ReleaseService {
  readonly service: ServiceConfig
  readonly env: () => Promise<Readonly<Record<string, string>>>
}

export interface PendingRelease {
  /** What `record-intent` marks pending (result `in-progress`). */
  readonly release: ReleaseRecord
  /** What `commit` records, when it runs. */
  readonly succeeded: () => ReleaseRecord
  /** What `abandon` records, when it runs. */
  readonly failed: (message: string) => ReleaseRecord
}

/** What a StepRunner has done so far. */
export interface StepsDone {
  /** The ledger now on disk. */
  readonly ledger: ServiceLedger
  /** The release `commit` recorded as current. */
  readonly committed?: ReleaseRecord
  /** Release id -> the container a `start` step created for it. */
  readonly containers: ReadonlyMap<string, string>
  /** Containers a `stop` step stopped, in order: what undoing a move to blue-green starts again. */
  readonly stopped: readonly string[]
}

/**
 * Runs planned steps against Docker, the proxy and the state store, one at a time, and remembers
 * what it did (containers created, the ledger now on disk) so that a failure can be undone.
 */
export class StepRunner {
  readonly #containers = new Map<string, string>()
  readonly #stopped: string[] = []
  #ledger: ServiceLedger
  #committed: ReleaseRecord | undefined
  #env: Readonly<Record<string, string>> | undefined

  private readonly input: StepRunnerInput

  constructor(input: StepRunnerInput) {
    this.input = input
    this.#ledger = input.ledger
  }

  /** Runs the steps in order; a failure is thrown as it is, and done() still tells what had been done. */
  async run(steps: readonly DeployStep[]): Promise<StepsDone> {
    for (const step of steps) await this.#step(step)
    return this.done()
  }

  done(): StepsDone {
    return {
      ledger: this.#ledger,
      ...(this.#committed ? { committed: this.#committed } : {}),
      containers: new Map(this.#containers),
      stopped: [...this.#stopped],
    }
  }

  async #step(step: DeployStep): Promise<void> {
    const { deps, progress } = this.input
    switch (step.kind) {
      case 'pull':
        progress('pull', `pulling ${step.image}`)
        await pullImage(deps, step.image, (line) => progress('pull', line))
        return
      case 'record-intent':
        return this.#record(beginRelease(this.#ledger, this.#pending(step.kind).release))
      case 'abandon':
        return this.#record(abandonRelease(this.#ledger, this.#pending(step.kind).failed(step.message)))
      case 'stop':
        progress('stop', `stopping container ${step.containerId.slice(0, 12)}`)
        await deps.docker.stop(step.containerId, step.timeoutSeconds)
        this.#stopped.push(step.containerId)
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
        this.#committed = this.#pending(step.kind).succeeded()
        await this.#record(commitRelease(this.#ledger, this.#committed))
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

  #serviceOf(releaseId: string): ServiceConfig {
    return this.input.others?.get(releaseId)?.service ?? this.input.service
  }

  #pending(kind: DeployStep['kind']): PendingRelease {
    if (!this.input.pending) throw new Error(`${kind} without a pending release`)
    return this.input.pending
  }

  async #record(ledger: ServiceLedger): Promise<void> {
    this.#ledger = ledger
    await this.input.deps.state.write(ledger)
  }

  /** The container this runner started for the release, else the running one Docker lists for it. */
  async #containerOf(releaseId: string): Promise<string> {
    const started = this.#containers.get(releaseId)
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
    const other = this.input.others?.get(releaseId)
    const service = other?.service ?? this.input.service
    let env: Readonly<Record<string, string>>
    if (other === undefined) {
      this.#env ??= await this.input.env()
      env = this.#env
    } else {
      env = await other.env()
    }
    const spec = releaseContainerSpec({ ...this.input, service, env, releaseId, image })
    progress('start', `starting ${spec.name}`)
    try {
      const id = await deps.docker.create(spec)
      this.#containers.set(releaseId, id)
      await deps.docker.start(id)
    } catch (error) {
      // Not starting (a port taken, a bad volume) is the release failing, like an unhealthy one.
      throw new UnhealthyReleaseError(releaseId, `the container could not start: ${(error as Error).message}`)
    }
  }

  async #waitHealth(releaseId: string): Promise<void> {
    const { deps, progress } = this.input
    const id = this.#containers.get(releaseId)
    if (id === undefined) throw new Error(`wait-health before start of ${releaseId}`)
    const verdict = await healthOf(deps, this.#serviceOf(releaseId), id)
    if (!verdict.healthy) throw new UnhealthyReleaseError(releaseId, verdict.reason)
    progress('health', `release ${releaseId} is healthy after ${verdict.checks} check(s): ${verdict.detail}`)
  }
}
