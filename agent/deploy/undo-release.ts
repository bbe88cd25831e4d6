import type { ServiceConfig } from '../../shared/agent-config/types.ts'
import { HealthFailedError, RollbackFailedError } from '../../shared/errors.ts'
import type { ReleaseRecord } from '../state/ledger.ts'
import type { ProgressEvent } from './deployer.ts'
import type { DeployerDeps } from './deps.ts'
import { type StepRunner, UnhealthyReleaseError } from './step-runner.ts'
import type { Strategy } from './strategy/strategy.ts'

export interface UndoReleaseInput {
  readonly deps: DeployerDeps
  readonly agentId: string
  readonly service: ServiceConfig
  readonly strategy: Strategy
  /** The new release, which failed before its commit. */
  readonly release: ReleaseRecord
  readonly progress: (phase: ProgressEvent['phase'], message: string) => void
}

/**
 * Undoes a switch that failed before its commit with the strategy's undo steps, on the runner that
 * ran the switch, and records the release as failed. Throws HealthFailedError for an unhealthy
 * release (the undo went well), RollbackFailedError when the undo failed too, else the original error.
 */
export async function undoRelease(
  input: UndoReleaseInput,
  runner: StepRunner,
  error: unknown,
): Promise<never> {
  const { deps, service, release, progress } = input
  const done = runner.done()
  const reason = reasonOf(error)
  const containerId = done.containers.get(release.id)
  const logTail = containerId
    ? await deps.docker.logsTail(containerId, deps.logTailLines ?? 20).catch(() => '')
    : ''
  const previous = done.ledger.current
  const undo = await input.strategy.undo(deps, service, {
    agentId: input.agentId,
    release,
    reason,
    stopped: done.stopped,
    ...(containerId === undefined ? {} : { containerId }),
    ...(previous ? { previous } : {}),
  })
  progress('rollback', undo.announce)
  try {
    await runner.run(undo.steps)
  } catch (undoError) {
    if (undo.ifFailed) {
      const why = reasonOf(undoError)
      await runner.run([{ kind: 'abandon', message: undo.ifFailed.recorded(why) }])
      throw new RollbackFailedError(undo.ifFailed.error(why), { cause: undoError })
    }
    deps.logger.warn({ err: undoError, service: service.name }, 'could not clean up the failed release')
  }
  await runner.run([{ kind: 'abandon', message: undo.recorded }])
  if (undo.done !== undefined) progress('rollback', undo.done)
  if (!(error instanceof UnhealthyReleaseError)) throw error
  const tail = logTail.trim() === '' ? '(the container wrote no log)' : logTail.trimEnd()
  throw new HealthFailedError(
    `release ${release.id} of service "${service.name}" (${release.image}) failed: ${reason}; ${undo.outcome}.\nlast log lines of the failed container:\n${tail}`,
    { cause: error },
  )
}

function reasonOf(error: unknown): string {
  return error instanceof UnhealthyReleaseError ? error.reason : (error as Error).message
}
