import type { PortMapping, ServiceConfig } from '../../../shared/agent-config/types.ts'
import type { ReleaseRecord } from '../../state/ledger.ts'
import type { DeployerDeps } from '../deps.ts'
import type { DeployPlan, DeployPlanInput, DeployStep, ServiceContainer } from '../plan.ts'

/** What a strategy knows about a release that failed before its commit. */
export interface UndoInput {
  readonly agentId: string
  /** The new release, which failed. */
  readonly release: ReleaseRecord
  /** The release that was current before the deploy. */
  readonly previous?: ReleaseRecord
  readonly reason: string
  /** The new release's container, when one was created. */
  readonly containerId?: string
  /** Containers a `stop` step stopped before the failure, in order. */
  readonly stopped: readonly string[]
}

/** How to undo a failed switch: the steps, and what to say and record about them. */
export interface Undo {
  readonly steps: readonly DeployStep[]
  /** The progress line that announces the undo. */
  readonly announce: string
  /** The failed release's ledger message once the steps ran. */
  readonly recorded: string
  /** The progress line once the steps ran, if any. */
  readonly done?: string
  /** What became of the previous release, for the error the deploy throws. */
  readonly outcome: string
  /**
   * How a failure of the steps is reported (`why` is what failed). Without it the failure is only
   * logged: the previous release still serves, and the next reconcile removes what is left.
   */
  readonly ifFailed?: {
    readonly recorded: (why: string) => string
    readonly error: (why: string) => string
  }
}

/** A current release whose container runs, as reconcile finds it. */
export interface RepairInput {
  readonly current: ReleaseRecord
  readonly serving: ServiceContainer
  /** Every managed container of the service. */
  readonly containers: readonly ServiceContainer[]
}

/**
 * How a service moves from one release to the next. Each answer is steps for StepRunner; a strategy
 * observes what its planner needs through `deps` but changes nothing itself.
 */
export interface Strategy {
  /** The ports a release's container publishes. */
  publishedPorts(service: ServiceConfig): readonly PortMapping[]
  /** The switch to the desired release, or `unchanged`. */
  plan(deps: DeployerDeps, service: ServiceConfig, input: DeployPlanInput): Promise<DeployPlan>
  /** Undoes a switch that failed before its commit. */
  undo(deps: DeployerDeps, service: ServiceConfig, input: UndoInput): Promise<Undo>
  /** Reconcile: brings a serving current release and the service's other containers back in line. */
  repair(deps: DeployerDeps, service: ServiceConfig, input: RepairInput): Promise<readonly DeployStep[]>
  /** Reconcile: what a release re-created from its image still needs before it serves. */
  afterRecreate(releaseId: string): readonly DeployStep[]
}
