import { RollbackFailedError } from '../../shared/errors.js'
import { abandonRelease } from '../state/ledger.js'
import { abortBlueGreen } from './abort-blue-green.js'
import { containerName, LABEL_RELEASE, managedLabels } from './container-spec.js'
import type { DeployResult, ReleaseRecord } from './deployer.js'
import { describeFailure, throwFailure } from './failed-release.js'
import { type DeployStep, planRestore } from './plan.js'
import { StepRunner, type StepRunnerInput, UnhealthyReleaseError } from './step-runner.js'

export interface SwitchInput extends StepRunnerInput {
  /** The new release, `in-progress`. */
  readonly release: ReleaseRecord
  readonly resultOnSuccess: DeployResult
  readonly steps: readonly DeployStep[]
}

/**
 * Runs a switch plan. Before the intent is recorded nothing has been touched, so a failure there is
 * simply thrown. After it, a failure restores the release that was current (HealthFailedError when
 * the new release could not start or become healthy; RollbackFailedError when the restore fails too).
 */
export async function applySwitch(input: SwitchInput): Promise<StepRunner> {
  const { deps, release } = input
  const startedAt = Date.parse(release.startedAt)
  const finished = (result: ReleaseRecord['result'], message?: string): ReleaseRecord => ({
    ...release,
    finishedAt: new Date(deps.clock.now()).toISOString(),
    result,
    durationMs: deps.clock.now() - startedAt,
    ...(message === undefined ? {} : { message }),
  })
  const runner = new StepRunner(input, () => finished(input.resultOnSuccess))
  runner.pending = release

  const commitAt = input.steps.findIndex((step) => step.kind === 'commit')
  const intentAt = input.steps.findIndex((step) => step.kind === 'record-intent')
  await runner.run(input.steps.slice(0, intentAt))
  try {
    await runner.run(input.steps.slice(intentAt, commitAt + 1))
  } catch (error) {
    if (input.service.strategy === 'blue-green') await abortBlueGreen(input, runner, error, finished)
    await restore(input, runner, error, finished)
  }
  try {
    await runner.run(input.steps.slice(commitAt + 1))
  } catch (error) {
    // The new release is current and healthy; a leftover stopped container is only untidy.
    deps.logger.warn({ err: error, service: input.service.name }, 'could not remove an old container')
  }
  return runner
}

async function restore(
  input: SwitchInput,
  runner: StepRunner,
  error: unknown,
  finished: (result: ReleaseRecord['result'], message?: string) => ReleaseRecord,
): Promise<never> {
  const { deps, service, release, progress } = input
  const failure = await describeFailure(input, runner, error)
  const { reason, previous } = failure
  progress('rollback', `release ${release.id} failed (${reason}); restoring ${previous?.id ?? 'nothing'}`)

  const listed = await deps.docker.listContainers(managedLabels(input.agentId, service.name))
  const steps = planRestore({
    ...(previous ? { previous } : {}),
    previousContainerName: containerName(input.agentId, service.name, previous?.id ?? ''),
    containers: listed.map((c) => ({
      id: c.id,
      releaseId: c.labels[LABEL_RELEASE],
      running: c.state === 'running',
    })),
  })
  const failedMessage = `${reason}${previous ? `; restored ${previous.id}` : ''}`
  try {
    await runner.run(steps)
  } catch (restoreError) {
    const why =
      restoreError instanceof UnhealthyReleaseError ? restoreError.reason : (restoreError as Error).message
    runner.ledger = abandonRelease(
      runner.ledger,
      finished('failed', `${reason}; restoring ${previous?.id} failed: ${why}`),
    )
    await deps.state.write(runner.ledger)
    throw new RollbackFailedError(
      `release ${release.id} of service "${service.name}" failed (${reason}) and restoring ${previous?.id} (${previous?.image}) failed too: ${why}`,
      { cause: restoreError },
    )
  }
  runner.ledger = abandonRelease(runner.ledger, finished('failed', failedMessage))
  await deps.state.write(runner.ledger)
  progress('rollback', previous ? `restored ${previous.id}, healthy` : 'no previous release to restore')
  const restored = previous
    ? `restored release ${previous.id} (${previous.image}), which is healthy`
    : 'there was no previous release to restore'
  throwFailure(input, failure, error, restored)
}
