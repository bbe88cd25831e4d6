import { HealthFailedError } from '../../shared/errors.js'
import type { SwitchInput } from './apply-switch.js'
import type { ReleaseRecord } from './deployer.js'
import { type StepRunner, UnhealthyReleaseError } from './step-runner.js'

/** What both strategies need to know about a release that failed before its commit. */
export interface FailedRelease {
  readonly reason: string
  /** The new release's container, when one was created. */
  readonly containerId?: string
  readonly logTail: string
  /** The release that was current before the deploy. */
  readonly previous?: ReleaseRecord
}

export async function describeFailure(
  input: SwitchInput,
  runner: StepRunner,
  error: unknown,
): Promise<FailedRelease> {
  const { deps, release } = input
  const reason = error instanceof UnhealthyReleaseError ? error.reason : (error as Error).message
  const containerId = runner.containers.get(release.id)
  const logTail = containerId
    ? await deps.docker.logsTail(containerId, deps.logTailLines ?? 20).catch(() => '')
    : ''
  const previous = runner.ledger.current
  return {
    reason,
    logTail,
    ...(containerId === undefined ? {} : { containerId }),
    ...(previous ? { previous } : {}),
  }
}

/**
 * Rethrows what is not an unhealthy release as it is; an unhealthy one becomes HealthFailedError with the
 * reason, what happened to the previous release (`outcome`) and the tail of the failed container's log.
 */
export function throwFailure(
  input: SwitchInput,
  failure: FailedRelease,
  error: unknown,
  outcome: string,
): never {
  if (!(error instanceof UnhealthyReleaseError)) throw error
  const { service, release } = input
  const tail = failure.logTail.trim() === '' ? '(the container wrote no log)' : failure.logTail.trimEnd()
  throw new HealthFailedError(
    `release ${release.id} of service "${service.name}" (${release.image}) failed: ${failure.reason}; ${outcome}.\nlast log lines of the failed container:\n${tail}`,
    { cause: error },
  )
}
