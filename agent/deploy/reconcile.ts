import type { ServiceConfig } from '../config/types.js'
import { abandonRelease, commitRelease, type ServiceLedger } from '../state/ledger.js'
import { containerName } from './container-spec.js'
import type { ReleaseRecord } from './deployer.js'
import type { DeployerDeps } from './deps.js'
import { planRestore } from './plan.js'
import { resolveEnv } from './prepare.js'
import { StepRunner, UnhealthyReleaseError } from './step-runner.js'
import { serviceContainers } from './switch-release.js'

/**
 * Brings one service back to its ledger after a crash or a reboot; the caller holds the lock.
 * An interrupted deploy is finished when its container is up and healthy, else undone; then the
 * current release is re-created if its container is missing or stopped. Returns what it did.
 */
export async function reconcileService(
  deps: DeployerDeps,
  agentId: string,
  service: ServiceConfig,
): Promise<string[]> {
  const actions: string[] = []
  const env = await resolveEnv(deps.parameters, service)
  const runnerFor = (ledger: ServiceLedger) =>
    new StepRunner({ deps, agentId, service, env, ledger, progress: () => {} })
  let ledger = await deps.state.read(service.name)
  const containers = await serviceContainers(deps, agentId, service.name)
  const now = () => new Date(deps.clock.now()).toISOString()

  const pending = ledger.pending
  if (pending) {
    const container = containers.find((c) => c.releaseId === pending.id && c.running)
    if (container && (await healthy(runnerFor(ledger), pending.id, container.id))) {
      ledger = commitRelease(
        ledger,
        finish(pending, 'deployed', now(), 'finished by reconcile after an interruption'),
      )
      await deps.state.write(ledger)
      actions.push(`${service.name}: finished the interrupted deploy of release ${pending.id}`)
    } else if (ledger.current) {
      ledger = abandonRelease(
        ledger,
        finish(pending, 'failed', now(), 'interrupted; the previous release was kept'),
      )
      await deps.state.write(ledger)
      actions.push(`${service.name}: undid the interrupted deploy of release ${pending.id}`)
    } else {
      // A first deploy that was cut short: the release it was installing is all there is to run.
      ledger = commitRelease(
        ledger,
        finish(pending, 'deployed', now(), 'completed by reconcile after an interruption'),
      )
      actions.push(`${service.name}: completing the interrupted first deploy of release ${pending.id}`)
    }
  }
  const current = ledger.current
  if (!current) return actions

  const stale = containers.filter((c) => c.releaseId !== current.id)
  const mine = containers.find((c) => c.releaseId === current.id && c.running)
  if (mine) {
    for (const container of stale) await deps.docker.remove(container.id)
    if (stale.length > 0)
      actions.push(`${service.name}: removed ${stale.length} container(s) of other releases`)
    await deps.state.write(ledger)
    return actions
  }
  const runner = runnerFor(ledger)
  const steps = planRestore({
    previous: current,
    previousContainerName: containerName(agentId, service.name, current.id),
    containers,
  })
  const was = containers.some((c) => c.releaseId === current.id) ? 'stopped' : 'missing'
  try {
    await runner.run(steps)
    actions.push(`${service.name}: re-created release ${current.id} (its container was ${was})`)
  } catch (error) {
    const why = error instanceof UnhealthyReleaseError ? error.reason : (error as Error).message
    if (pending && !ledger.previous && current.id === pending.id) {
      ledger = abandonRelease(
        ledger,
        finish(pending, 'failed', now(), `interrupted and could not be completed: ${why}`),
      )
      const { current: _none, ...rest } = ledger
      ledger = rest
    }
    actions.push(`${service.name}: could not re-create release ${current.id}: ${why}`)
  }
  await deps.state.write(ledger)
  return actions
}

async function healthy(runner: StepRunner, releaseId: string, containerId: string): Promise<boolean> {
  runner.containers.set(releaseId, containerId)
  try {
    await runner.run([{ kind: 'wait-health', releaseId }])
    return true
  } catch {
    return false
  }
}

function finish(
  release: ReleaseRecord,
  result: ReleaseRecord['result'],
  finishedAt: string,
  message: string,
): ReleaseRecord {
  return { ...release, result, finishedAt, message }
}
