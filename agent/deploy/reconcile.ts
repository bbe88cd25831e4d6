import type { ServiceConfig } from '../../shared/agent-config/types.js'
import { abandonRelease, commitRelease, type ReleaseRecord } from '../state/ledger.js'
import { containerName } from './container-labels.js'
import type { DeployerDeps } from './deps.js'
import { healthOf } from './health-gate.js'
import { planRestore, type ServiceContainer } from './plan.js'
import { resolveEnv } from './prepare.js'
import { recordedService } from './release-config.js'
import { serviceContainers } from './service-containers.js'
import { StepRunner, type StepRunnerInput, UnhealthyReleaseError } from './step-runner.js'
import { strategyOf } from './strategy/select.js'

/**
 * Brings one service back to its ledger after a crash or a reboot; the caller holds the lock.
 * An interrupted deploy is finished when its container is up and healthy, else undone; then the
 * current release is re-created if its container is missing or stopped. Returns what it did.
 */
export async function reconcileService(
  deps: DeployerDeps,
  agentId: string,
  entry: ServiceConfig,
): Promise<string[]> {
  const actions: string[] = []
  const containers = await serviceContainers(deps, agentId, entry.name)
  let ledger = await deps.state.read(entry.name)
  // Each release is re-created as it was deployed: the file's entry with the release's own spec on top.
  const file = deps.config().file
  const pendingService = recordedService(entry, file, ledger.pending, deps.logger)
  let service = recordedService(entry, file, ledger.current, deps.logger)
  // Parameter Store is read only when a container has to be created, not on every periodic run.
  const runner = (env: StepRunnerInput['env'] = () => resolveEnv(deps.parameters, service)) =>
    new StepRunner({ deps, agentId, service, env, ledger, progress: () => {} })
  const finish = (
    release: ReleaseRecord,
    result: ReleaseRecord['result'],
    message: string,
  ): ReleaseRecord => ({
    ...release,
    result,
    finishedAt: new Date(deps.clock.now()).toISOString(),
    message,
  })

  const pending = ledger.pending
  if (pending) {
    const up = containers.find((c) => c.releaseId === pending.id && c.running)
    if (up && (await passesHealth(deps, pendingService, up.id))) {
      ledger = commitRelease(
        ledger,
        finish(pending, 'deployed', 'finished by reconcile after an interruption'),
      )
      actions.push(`${service.name}: finished the interrupted deploy of release ${pending.id}`)
    } else if (!ledger.current) {
      // A first deploy cut short: the release it was installing is the only one there is to run.
      service = pendingService
      const failure = await recreate(deps, runner, agentId, service, pending, containers)
      ledger =
        failure === null
          ? commitRelease(ledger, finish(pending, 'deployed', 'completed by reconcile after an interruption'))
          : abandonRelease(
              ledger,
              finish(pending, 'failed', `interrupted, and could not be completed: ${failure}`),
            )
      await deps.state.write(ledger)
      if (failure === null) await runner().run(strategyOf(service).afterRecreate(pending.id))
      actions.push(
        failure === null
          ? `${service.name}: completed the interrupted first deploy of release ${pending.id}`
          : `${service.name}: could not complete the interrupted first deploy of release ${pending.id}: ${failure}`,
      )
      return actions
    } else {
      ledger = abandonRelease(ledger, finish(pending, 'failed', 'interrupted; the previous release was kept'))
      actions.push(`${service.name}: undid the interrupted deploy of release ${pending.id}`)
    }
    await deps.state.write(ledger)
  }

  const current = ledger.current
  if (!current) return actions
  // The pending release may just have become current.
  service = current.id === pending?.id ? pendingService : service
  const strategy = strategyOf(service)
  const serving = containers.find((c) => c.releaseId === current.id && c.running)
  if (serving) {
    await runner().run(await strategy.repair(deps, service, { current, serving, containers }))
    const stale = containers.filter((c) => c.releaseId !== current.id)
    if (stale.length > 0)
      actions.push(`${service.name}: removed ${stale.length} container(s) of other releases`)
    return actions
  }
  const was = containers.some((c) => c.releaseId === current.id) ? 'stopped' : 'missing'
  const failure = await recreate(deps, runner, agentId, service, current, containers)
  if (failure === null) await runner().run(strategy.afterRecreate(current.id))
  actions.push(
    failure === null
      ? `${service.name}: re-created release ${current.id} (its container was ${was})`
      : `${service.name}: could not re-create release ${current.id}: ${failure}`,
  )
  return actions
}

/** Removes the service's containers and starts `release` afresh; null when it is up and healthy. */
async function recreate(
  deps: DeployerDeps,
  runner: (env: StepRunnerInput['env']) => StepRunner,
  agentId: string,
  service: ServiceConfig,
  release: ReleaseRecord,
  containers: readonly ServiceContainer[],
): Promise<string | null> {
  const steps = planRestore({
    previous: release,
    previousContainerName: containerName(agentId, service.name, release.id),
    containers,
  })
  try {
    // Read before anything is removed: a missing parameter must leave the containers as they are.
    const env = await resolveEnv(deps.parameters, service)
    await runner(async () => env).run(steps)
    return null
  } catch (error) {
    return error instanceof UnhealthyReleaseError ? error.reason : (error as Error).message
  }
}

async function passesHealth(
  deps: DeployerDeps,
  service: ServiceConfig,
  containerId: string,
): Promise<boolean> {
  return (await healthOf(deps, service, containerId)).healthy
}
