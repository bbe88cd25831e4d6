import { abandonRelease } from '../state/ledger.js'
import type { SwitchInput } from './apply-switch.js'
import type { ReleaseRecord } from './deployer.js'
import { describeFailure, throwFailure } from './failed-release.js'
import type { DeployStep } from './plan.js'
import type { StepRunner } from './step-runner.js'

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
  const failure = await describeFailure(input, runner, error)
  const { reason, containerId: newId, previous } = failure
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
  const kept = previous
    ? `release ${previous.id} (${previous.image}) kept serving and was never stopped`
    : 'there was no previous release'
  throwFailure(input, failure, error, kept)
}
