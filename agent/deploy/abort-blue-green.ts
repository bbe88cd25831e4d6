import { HealthFailedError } from '../../shared/errors.js'
import { abandonRelease } from '../state/ledger.js'
import type { SwitchInput } from './apply-switch.js'
import type { ReleaseRecord } from './deployer.js'
import type { DeployStep } from './plan.js'
import { type StepRunner, UnhealthyReleaseError } from './step-runner.js'

/**
 * Undoes a blue-green deploy that failed before its commit. The old release kept serving throughout,
 * so nothing is restored: the proxy is pointed back at it (in case a route step had begun) and the new
 * container is removed. Throws HealthFailedError for an unhealthy release, else the original error.
 */
export async function abortBlueGreen(
  input: SwitchInput,
  runner: StepRunner,
  error: unknown,
  finished: (result: ReleaseRecord['result'], message?: string) => ReleaseRecord,
): Promise<never> {
  const { deps, service, release, progress } = input
  const reason = error instanceof UnhealthyReleaseError ? error.reason : (error as Error).message
  const newId = runner.containers.get(release.id)
  const logTail = newId ? await deps.docker.logsTail(newId, deps.logTailLines ?? 20).catch(() => '') : ''
  const previous = runner.ledger.current
  progress('rollback', `release ${release.id} failed (${reason}); ${previous?.id ?? 'nothing'} kept serving`)

  const steps: DeployStep[] = []
  if (newId !== undefined) steps.push({ kind: 'remove', containerId: newId })
  if (previous) steps.push({ kind: 'route', releaseId: previous.id })
  try {
    await runner.run(steps)
  } catch (cleanupError) {
    // The old release still serves; a leftover container is removed by the next reconcile.
    deps.logger.warn({ err: cleanupError, service: service.name }, 'could not clean up the failed release')
  }
  runner.ledger = abandonRelease(
    runner.ledger,
    finished('failed', `${reason}; ${previous?.id ?? 'nothing'} kept serving`),
  )
  await deps.state.write(runner.ledger)
  if (!(error instanceof UnhealthyReleaseError)) throw error
  const kept = previous
    ? `release ${previous.id} (${previous.image}) kept serving and was never stopped`
    : 'there was no previous release'
  const tail = logTail.trim() === '' ? '(the container wrote no log)' : logTail.trimEnd()
  throw new HealthFailedError(
    `release ${release.id} of service "${service.name}" (${release.image}) failed: ${reason}; ${kept}.\nlast log lines of the failed container:\n${tail}`,
    { cause: error },
  )
}
