import type { ServiceConfig } from '../../shared/agent-config/types.ts'
import type { ReleaseRecord, ServiceLedger } from '../state/ledger.ts'
import { containerName } from './container-labels.ts'
import type { DeployerDeps } from './deps.ts'
import { healthOf } from './health-gate.ts'
import { type InterruptedPlan, planInterrupted } from './interrupted.ts'
import { planRestore, type ServiceContainer } from './plan.ts'
import { resolveEnv } from './prepare.ts'
import { recordedService } from './release-config.ts'
import { serviceContainers } from './service-containers.ts'
import { StepRunner, type StepRunnerInput, UnhealthyReleaseError } from './step-runner.ts'
import { strategyOf } from './strategy/select.ts'

/**
 * Brings one service back to its ledger after a crash or a reboot; the caller holds the lock.
 * An interrupted deploy is decided by planInterrupted (finished, completed or undone) and its steps
 * run on a StepRunner; then the current release is re-created if its container is missing or stopped.
 * Returns what it did.
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

  const pending = ledger.pending
  if (pending) {
    const pendingService = recordedService(entry, file, pending, deps.logger)
    const up = containers.find((c) => c.releaseId === pending.id && c.running)
    const plan = planInterrupted({
      service: entry.name,
      pending,
      ...(ledger.current ? { current: ledger.current } : {}),
      containers,
      pendingServes: up !== undefined && (await healthOf(deps, pendingService, up.id)).healthy,
      containerName: containerName(agentId, entry.name, pending.id),
      afterRecreate: strategyOf(pendingService).afterRecreate(pending.id),
    })
    const outcome = await runInterrupted(deps, agentId, pendingService, ledger, plan, pending)
    ledger = outcome.ledger
    actions.push(outcome.action)
    if (!plan.continues) return actions
  }

  const current = ledger.current
  if (!current) return actions
  const service = recordedService(entry, file, current, deps.logger)
  const strategy = strategyOf(service)
  // Parameter Store is read only when a container has to be created, not on every periodic run.
  const runner = (env: StepRunnerInput['env'] = () => resolveEnv(deps.parameters, service)) =>
    new StepRunner({ deps, agentId, service, env, ledger, progress: () => {} })
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

/** Runs the decision on an interrupted deploy; returns the ledger then on disk and the action taken. */
async function runInterrupted(
  deps: DeployerDeps,
  agentId: string,
  service: ServiceConfig,
  ledger: ServiceLedger,
  plan: InterruptedPlan,
  pending: ReleaseRecord,
): Promise<{ ledger: ServiceLedger; action: string }> {
  const finish = (result: ReleaseRecord['result'], message: string | undefined): ReleaseRecord => ({
    ...pending,
    result,
    finishedAt: new Date(deps.clock.now()).toISOString(),
    ...(message === undefined ? {} : { message }),
  })
  let env: Readonly<Record<string, string>> | undefined
  const runner = new StepRunner({
    deps,
    agentId,
    service,
    env: async () => env ?? resolveEnv(deps.parameters, service),
    ledger,
    progress: () => {},
    pending: {
      release: pending,
      succeeded: () => finish('deployed', plan.committed),
      failed: (message) => finish('failed', message),
    },
  })
  try {
    // Read before anything is removed: a missing parameter must leave the containers as they are.
    if (plan.steps.some((step) => step.kind === 'start')) env = await resolveEnv(deps.parameters, service)
    await runner.run(plan.steps)
  } catch (error) {
    if (!plan.ifFailed) throw error
    const why = reasonOf(error)
    const done = await runner.run([{ kind: 'abandon', message: plan.ifFailed.recorded(why) }])
    return { ledger: done.ledger, action: plan.ifFailed.action(why) }
  }
  const done = await runner.run(plan.afterwards)
  return { ledger: done.ledger, action: plan.action }
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
    return reasonOf(error)
  }
}

function reasonOf(error: unknown): string {
  return error instanceof UnhealthyReleaseError ? error.reason : (error as Error).message
}
