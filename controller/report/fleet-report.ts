import type { InstanceOutcome } from '../ssm/outcome.ts'

/** One fleet action (a deploy, or the rollback after it) as the reports show it. */
export interface PhaseReport {
  readonly image: string
  readonly commandIds: readonly string[]
  readonly outcomes: readonly InstanceOutcome[]
  readonly targetCount: number
  readonly timedOut: boolean
  readonly unfinished: readonly string[]
}

export interface DeployReport {
  readonly service: string
  readonly digest: string
  readonly parameterVersion: number
  readonly deploy: PhaseReport
  /** Present when --rollback-on-failure acted. */
  readonly rollback?: PhaseReport
  /** Why no rollback was sent although one was asked for. */
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
