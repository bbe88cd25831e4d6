import { ExitCode, PartialFailureError, TimeoutError, TotalFailureError } from '../../shared/errors.ts'
import type { WaitResult } from '../ssm/waiter.ts'
import { countsOf, type DeployReport } from './fleet-report.ts'

/*
 * Each fleet command's rule from its result to its exit code, side by side. A deploy's verdict is an error,
 * whose message says what failed; status and setup agents have printed that already, so theirs is a code.
 */

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

/** `status`: a wait that ended first is a timeout; an instance without a usable answer, a partial failure. */
export function statusExitCode(status: {
  readonly timedOut: boolean
  readonly instances: readonly { readonly instanceId: string; readonly error?: string }[]
}): number {
  const unanswered = status.instances.filter((i) => i.error !== undefined).length
  return status.timedOut ? ExitCode.timeout : unanswered > 0 ? ExitCode.partialFailure : ExitCode.ok
}

/** `setup agents`: as a deploy, no instance at all or no instance installed is a total failure. */
export function installExitCode(result: Pick<WaitResult, 'outcomes' | 'timedOut'>): number {
  const failed = result.outcomes.filter((o) => o.result === 'failed').length
  if (result.timedOut) return ExitCode.timeout
  if (result.outcomes.length === 0 || failed === result.outcomes.length) return ExitCode.totalFailure
  return failed > 0 ? ExitCode.partialFailure : ExitCode.ok
}
