import type { ServiceConfig } from '../../shared/agent-config/types.ts'
import { sameSpec } from '../../shared/release.ts'
import { nextReleaseId, type ReleaseRecord } from '../state/ledger.ts'
import { containerName } from './container-labels.ts'
import type { DeployOutcome, DeployResult, ProgressEvent, ReleaseRef } from './deployer.ts'
import type { DeployerDeps } from './deps.ts'
import type { DeployStep } from './plan.ts'
import { type ResolvedImage, resolveEnv } from './prepare.ts'
import { recordedRef, recordedService } from './release-config.ts'
import { serves, serviceContainers } from './service-containers.ts'
import { type ReleaseService, StepRunner } from './step-runner.ts'
import { strategyOf } from './strategy/select.ts'
import { undoRelease } from './undo-release.ts'

export interface SwitchRequest {
  readonly agentId: string
  /** The service as the target release runs it: the file's entry with the release's spec on top. */
  readonly service: ServiceConfig
  /** The file's entry and the file's name, to re-create the current release as it was deployed. */
  readonly entry: { readonly service: ServiceConfig; readonly file: string }
  /** The release the target comes from, recorded with it; none for a bare image. */
  readonly release?: ReleaseRef
  readonly target: ResolvedImage
  readonly resultOnSuccess: DeployResult
  readonly startedAt: number
  readonly progress: (phase: ProgressEvent['phase'], message: string) => void
}

/**
 * Plans a switch of one service to a resolved image with its strategy, and runs it; the caller holds
 * the service lock. Before the intent is recorded nothing has been touched, so a failure there is
 * simply thrown. After it, a failure before the commit is undone (see undoRelease); after the commit,
 * the new release is current and a failure to remove an old container is only logged.
 */
export async function switchRelease(deps: DeployerDeps, request: SwitchRequest): Promise<DeployOutcome> {
  const { service, target, progress, agentId } = request
  const strategy = strategyOf(service)
  const ledger = await deps.state.read(service.name)
  const containers = await serviceContainers(deps, agentId, service.name)
  const current = ledger.current
  const releaseId = nextReleaseId(ledger)
  const currentService = recordedService(request.entry.service, request.entry.file, current, deps.logger)
  const plan = await strategy.plan(deps, service, {
    containerName: containerName(agentId, service.name, releaseId),
    stopTimeoutSeconds: service.stopTimeoutSeconds,
    desired: { releaseId, ...target },
    ...(current ? { current } : {}),
    containers,
    currentServes: current ? await serves(deps, currentService, containers, current.id) : false,
    specChanged: current !== undefined && !sameSpec(current.spec, request.release?.spec),
  })
  const durationMs = () => deps.clock.now() - request.startedAt
  if (plan.kind === 'unchanged' && current) {
    progress(
      'done',
      `unchanged: release ${current.id} already runs ${target.digest} with this spec and is healthy`,
    )
    return {
      service: service.name,
      result: 'unchanged',
      release: current,
      ...(ledger.previous ? { previous: ledger.previous } : {}),
      durationMs: durationMs(),
      message: `${service.name} already runs ${current.image} (release ${current.id}); nothing changed`,
    }
  }
  const release: ReleaseRecord = {
    id: releaseId,
    image: target.image,
    digest: target.digest,
    startedAt: new Date(request.startedAt).toISOString(),
    result: 'in-progress',
    ...recordedRef(request.release),
  }
  const finished = (result: ReleaseRecord['result'], message?: string): ReleaseRecord => ({
    ...release,
    finishedAt: new Date(deps.clock.now()).toISOString(),
    result,
    durationMs: durationMs(),
    ...(message === undefined ? {} : { message }),
  })
  // Read only when switching (the common re-run asks nothing of Parameter Store), but before
  // anything is stopped: a missing parameter must leave the running release alone.
  const env = await resolveEnv(deps.parameters, service)
  // A failed switch restores the current release as it was deployed, its own spec included. Its
  // environment is read only then: a parameter it alone needs must not stop the deploy of a new release.
  const others = new Map<string, ReleaseService>()
  if (current && currentService !== service) {
    others.set(current.id, {
      service: currentService,
      env: () => resolveEnv(deps.parameters, currentService),
    })
  }
  const runner = new StepRunner({
    deps,
    agentId,
    service,
    others,
    env: async () => env,
    ledger,
    progress,
    pending: {
      release,
      succeeded: () => finished(request.resultOnSuccess),
      failed: (message) => finished('failed', message),
    },
  })
  const steps: readonly DeployStep[] = plan.kind === 'switch' ? plan.steps : []
  const intentAt = steps.findIndex((step) => step.kind === 'record-intent')
  const commitAt = steps.findIndex((step) => step.kind === 'commit')
  await runner.run(steps.slice(0, intentAt))
  try {
    await runner.run(steps.slice(intentAt, commitAt + 1))
  } catch (error) {
    await undoRelease({ deps, agentId, service, strategy, release, progress }, runner, error)
  }
  try {
    await runner.run(steps.slice(commitAt + 1))
  } catch (error) {
    // The new release is current and healthy; a leftover stopped container is only untidy.
    deps.logger.warn({ err: error, service: service.name }, 'could not remove an old container')
  }
  const done = runner.done()
  const committed = done.committed ?? release
  const verb = request.resultOnSuccess === 'rolled-back' ? 'rolled back to' : 'deployed'
  const message = `${verb} ${committed.image} as release ${committed.id} of ${service.name} in ${(durationMs() / 1000).toFixed(1)} s`
  progress('done', message)
  return {
    service: service.name,
    result: request.resultOnSuccess,
    release: committed,
    ...(done.ledger.previous ? { previous: done.ledger.previous } : {}),
    durationMs: durationMs(),
    message,
  }
}
