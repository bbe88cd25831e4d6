import {
  ExitCode,
  PartialFailureError,
  PullFailedError,
  RollbackFailedError,
  RolloutAbortedError,
  TimeoutError,
  TotalFailureError,
} from '../../shared/errors.ts'
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
  if (report.pullFailure !== undefined && report.prepull !== undefined) {
    // As for a deploy: a pull that reached nobody is a rollout that reached nobody.
    if (report.prepull.outcomes.length === 0 && !report.prepull.timedOut) {
      return new TotalFailureError(
        `no instance matched the targets of command ${report.prepull.commandIds.join(', ')}`,
      )
    }
    const failed = countsOf(report.prepull).failed
    return new PullFailedError(
      `${failed + report.prepull.unfinished.length + report.prepull.unlisted} of ${report.prepull.targetCount} instance(s) could not pull the release's image, so the rollout stopped before any instance switched and the release is aborted; the report names each instance and why`,
    )
  }
  const aborted = abortVerdict(report)
  if (aborted !== undefined) return aborted
  const phase = report.deploy
  const counts = countsOf(phase)
  const ok = counts.succeeded + counts.unchanged
  if (phase.timedOut) {
    const waiting = phase.unfinished.length + phase.unlisted
    const unlisted =
      phase.unlisted > 0
        ? `; SSM counted ${phase.unlisted} of them among the targets but never listed their invocations, so their result is unknown`
        : ''
    return new TimeoutError(
      `${waiting || 'some'} instance(s) had not finished when the wait ended (${ok} ok, ${counts.failed} failed so far)${unlisted}`,
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

/**
 * A rollout in waves, or one stopped by its alarm, that was aborted: "aborted and rolled back", naming the
 * cause; a rollback that failed on an instance is the worse news and wins.
 */
function abortVerdict(report: DeployReport): Error | undefined {
  const abort = report.abort
  if (abort === undefined || (report.waves === undefined && abort.cause !== 'alarm')) return undefined
  const failedBack = report.rollback ? countsOf(report.rollback).failed : 0
  if (failedBack > 0 || report.rollback?.timedOut) {
    return new RollbackFailedError(
      `the rollout was aborted (${abort.message}), and the rollback did not finish on every instance: ${failedBack} failed`,
    )
  }
  const back = report.rollback
    ? `the stable release was sent back to ${report.rollback.outcomes.length} instance(s)`
    : `no rollback was sent: ${report.rollbackSkipped ?? 'nothing had taken it'}`
  return new RolloutAbortedError(`the rollout was aborted: ${abort.message}; ${back}`)
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
