import type { InstanceOutcome } from '../ssm/outcome.ts'

/** One fleet action (a deploy, or the rollback after it) as the reports show it. */
export interface PhaseReport {
  readonly image: string
  /** The release version the command named, `/ecr-deploy/<environment>/<service>:<version>`. */
  readonly release: string
  readonly commandIds: readonly string[]
  readonly outcomes: readonly InstanceOutcome[]
  readonly targetCount: number
  readonly timedOut: boolean
  readonly unfinished: readonly string[]
  /** Targets SSM counted but never listed by the end of the wait. */
  readonly unlisted: number
  /** Alarms SSM saw in ALARM on the command (AlarmConfiguration); it stopped sending for them. */
  readonly triggeredAlarms?: readonly string[]
}

/** Why a rollout stopped before it was marked stable. */
export interface RolloutAbort {
  readonly cause: 'alarm' | 'failures' | 'timeout' | 'unreached'
  /** Names the alarm, or the failures, and the wave. */
  readonly message: string
}

export interface DeployReport {
  readonly environment: string
  readonly service: string
  readonly digest: string
  /** The version the command named: the release, written as `rolling`. */
  readonly parameterVersion: number
  /** How the rollout ended, written as the parameter's next version. */
  readonly state: 'stable' | 'aborted'
  readonly stateVersion: number
  /** The stable release this one replaced; after an abort, the one that stands. */
  readonly replaces?: number
  /** A rollback re-applies this earlier version. */
  readonly restores?: number
  /** The pull sent to every target before the first wave; absent with --no-prepull. */
  readonly prepull?: PhaseReport
  /** Why the pull stopped the rollout before any instance switched; `deploy` then sent nothing. */
  readonly pullFailure?: string
  /** Every wave together (a rollout without waves is one). */
  readonly deploy: PhaseReport
  /** A rollout in waves: each wave as sent, in order; the waves after an abort are never sent. */
  readonly waves?: readonly PhaseReport[]
  /** How many waves were planned, when the rollout went in waves. */
  readonly plannedWaves?: number
  /** Why the rollout stopped, when it was aborted. */
  readonly abort?: RolloutAbort
  /** After a failure: the stable release sent back to the instances that had taken the new one. */
  readonly rollback?: PhaseReport
  /** Why no rollback was sent after a failure. */
  readonly rollbackSkipped?: string
}

export interface Counts {
  readonly succeeded: number
  readonly unchanged: number
  readonly failed: number
}

export function countsOf(phase: PhaseReport): Counts {
  const count = (result: InstanceOutcome['result']) =>
    phase.outcomes.filter((o) => o.result === result).length
  return { succeeded: count('succeeded'), unchanged: count('unchanged'), failed: count('failed') }
}
