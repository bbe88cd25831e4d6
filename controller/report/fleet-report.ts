import { PartialFailureError, TimeoutError, TotalFailureError } from '../../shared/errors.js'
import type { InstanceOutcome } from '../ssm/outcome.js'

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

/**
 * The error that decides the exit code, or undefined when every instance succeeded or was unchanged.
 * No instance at all is a failure: a deploy that reached nobody did not deploy.
 */
export function verdictOf(report: DeployReport): Error | undefined {
  const phase = report.deploy
  const counts = countsOf(phase)
  const ok = counts.succeeded + counts.unchanged
  if (phase.timedOut) {
    return new TimeoutError(
      `${phase.unfinished.length || 'some'} instance(s) had not finished when the wait ended (${ok} ok, ${counts.failed} failed so far)`,
    )
  }
  if (phase.outcomes.length === 0) {
    return new TotalFailureError(`no instance matched the targets of command ${phase.commandIds.join(', ')}`)
  }
  if (counts.failed === 0) return undefined
  const rolledBack = report.rollback ? '; the instances that had succeeded were rolled back' : ''
  if (ok === 0)
    return new TotalFailureError(`the deploy failed on all ${counts.failed} instance(s)${rolledBack}`)
  return new PartialFailureError(
    `the deploy failed on ${counts.failed} of ${phase.outcomes.length} instance(s)${rolledBack}`,
  )
}
