import type { ReleaseRecord } from '../state/ledger.ts'
import { type DeployStep, planRestore, type ServiceContainer } from './plan.ts'

/** What reconcile finds of a deploy that a crash or a reboot cut short (a pending release in the ledger). */
export interface InterruptedInput {
  readonly service: string
  /** The release the deploy was installing. */
  readonly pending: ReleaseRecord
  /** The release that was current before it; undefined when the deploy was the service's first. */
  readonly current?: ReleaseRecord
  /** Every managed container of the service. */
  readonly containers: readonly ServiceContainer[]
  /** The pending release's container is running and passed its health check. */
  readonly pendingServes: boolean
  /** The name of the pending release's container when it is created afresh. */
  readonly containerName: string
  /** The strategy's steps for a release re-created from its image (`Strategy.afterRecreate`). */
  readonly afterRecreate: readonly DeployStep[]
}

/** The decision on an interrupted deploy: steps for StepRunner, and what to record and report of them. */
export interface InterruptedPlan {
  readonly steps: readonly DeployStep[]
  /** The pending release's ledger message when a `commit` step records it. */
  readonly committed?: string
  /** The action reconcile reports once the steps ran. */
  readonly action: string
  /** Steps once `steps` succeeded; a failure of these is thrown as it is. */
  readonly afterwards: readonly DeployStep[]
  /**
   * A failure of `steps` (`why` is what failed): abandon the release with `recorded`, report `action`.
   * Without it a failure is thrown as it is.
   */
  readonly ifFailed?: {
    readonly recorded: (why: string) => string
    readonly action: (why: string) => string
  }
  /** Reconcile goes on to bring the (then) current release back; false when nothing is left to do. */
  readonly continues: boolean
}

/**
 * Pure: a pending release whose container is up and healthy is finished; a first deploy cut short is
 * completed, since the release it was installing is the only one there is to run; else it is undone,
 * and the previous release, still current, is what reconcile brings back.
 */
export function planInterrupted(input: InterruptedInput): InterruptedPlan {
  const { service, pending } = input
  if (input.pendingServes) {
    return {
      steps: [{ kind: 'commit', releaseId: pending.id }],
      committed: 'finished by reconcile after an interruption',
      action: `${service}: finished the interrupted deploy of release ${pending.id}`,
      afterwards: [],
      continues: true,
    }
  }
  if (!input.current) {
    return {
      steps: planRestore({
        previous: pending,
        previousContainerName: input.containerName,
        containers: input.containers,
      }),
      committed: 'completed by reconcile after an interruption',
      action: `${service}: completed the interrupted first deploy of release ${pending.id}`,
      afterwards: [{ kind: 'commit', releaseId: pending.id }, ...input.afterRecreate],
      ifFailed: {
        recorded: (why) => `interrupted, and could not be completed: ${why}`,
        action: (why) =>
          `${service}: could not complete the interrupted first deploy of release ${pending.id}: ${why}`,
      },
      continues: false,
    }
  }
  return {
    steps: [{ kind: 'abandon', message: 'interrupted; the previous release was kept' }],
    action: `${service}: undid the interrupted deploy of release ${pending.id}`,
    afterwards: [],
    continues: true,
  }
}
