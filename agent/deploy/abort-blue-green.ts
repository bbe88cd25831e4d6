import { RollbackFailedError } from '../../shared/errors.js'
import { abandonRelease } from '../state/ledger.js'
import type { SwitchInput } from './apply-switch.js'
import type { ReleaseRecord } from './deployer.js'
import { describeFailure, throwFailure } from './failed-release.js'
import type { DeployStep } from './plan.js'
import type { StepRunner } from './step-runner.js'
import { routeNamesOf } from './traffic.js'

/**
 * Undoes a blue-green deploy that failed before its commit. The old release kept serving throughout,
 * so nothing is restored: the proxy is pointed back at it (in case a route step had begun) and the new
 * container is removed. Moving from recreate, the old container was stopped to free the public port:
 * the proxy gives the port up again and the old container is started again, as it was.
 * Throws HealthFailedError for an unhealthy release, else the original error.
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
  // Moving from recreate, the old container was stopped to free the public port for the proxy.
  const moving = runner.stopped.length > 0
  progress(
    'rollback',
    `release ${release.id} failed (${reason}); ${previous?.id ?? 'nothing'} ${moving ? 'is started again' : 'kept serving'}`,
  )

  const steps: DeployStep[] = []
  if (moving) steps.push({ kind: 'unroute', names: routeNamesOf(service) })
  if (newId !== undefined) steps.push({ kind: 'remove', containerId: newId })
  if (moving) {
    for (const containerId of runner.stopped) steps.push({ kind: 'resume', containerId })
  } else if (previous) {
    steps.push({ kind: 'route', releaseId: previous.id })
  }
  const outcome = moving ? 'was started again' : 'kept serving'
  try {
    await runner.run(steps)
  } catch (cleanupError) {
    if (moving) {
      const why = (cleanupError as Error).message
      runner.ledger = abandonRelease(
        runner.ledger,
        finished('failed', `${reason}; restarting ${previous?.id} failed: ${why}`),
      )
      await deps.state.write(runner.ledger)
      throw new RollbackFailedError(
        `release ${release.id} of service "${service.name}" failed (${reason}) and starting ${previous?.id ?? 'the old container'} again failed too: ${why}`,
        { cause: cleanupError },
      )
    }
    // The old release still serves; a leftover container is removed by the next reconcile.
    deps.logger.warn({ err: cleanupError, service: service.name }, 'could not clean up the failed release')
  }
  runner.ledger = abandonRelease(
    runner.ledger,
    finished('failed', `${reason}; ${previous?.id ?? 'nothing'} ${outcome}`),
  )
  await deps.state.write(runner.ledger)
  const kept = !previous
    ? 'there was no previous release'
    : moving
      ? `release ${previous.id} (${previous.image}) was stopped to free the public port and started again`
      : `release ${previous.id} (${previous.image}) kept serving and was never stopped`
  throwFailure(input, failure, error, kept)
}
