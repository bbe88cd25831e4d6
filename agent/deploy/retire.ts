import { LABEL_SERVICE, managedLabels } from './container-labels.ts'
import type { DeployerDeps } from './deps.ts'

/** How long a retired service's containers get to stop; their configuration, stopTimeout included, is gone. */
const RETIRE_STOP_SECONDS = 10

/**
 * Services that still have containers of this agent but are no longer in the configuration, with
 * their container counts. Reconcile reports them and leaves them running: a service missing from the
 * file may be a mistake in the file, and stopping production on a typo is worse than a warning.
 */
export async function orphanedServices(
  deps: DeployerDeps,
  agentId: string,
  configured: ReadonlySet<string>,
): Promise<ReadonlyMap<string, number>> {
  const orphans = new Map<string, number>()
  for (const container of await deps.docker.listContainers(managedLabels(agentId))) {
    const service = container.labels[LABEL_SERVICE]
    if (service !== undefined && !configured.has(service))
      orphans.set(service, (orphans.get(service) ?? 0) + 1)
  }
  return orphans
}

/**
 * Removes what is left of a service taken out of the configuration: the proxy's routes for its ports
 * (so that the ports are free), its containers, and its current and previous releases from the ledger
 * (the history stays, and release ids go on from where they were if the service comes back).
 * Returns what it did, one line each.
 */
export async function retireService(deps: DeployerDeps, agentId: string, service: string): Promise<string[]> {
  const actions: string[] = []
  if (deps.traffic) {
    const { routes } = await deps.traffic.status()
    for (const route of routes.filter((r) => r.name.startsWith(`${service}/`))) {
      await deps.traffic.remove(route.name)
      actions.push(`the proxy gave up ${route.listen.host}:${route.listen.port} (${route.name})`)
    }
  }
  for (const container of await deps.docker.listContainers(managedLabels(agentId, service))) {
    if (container.state === 'running') await deps.docker.stop(container.id, RETIRE_STOP_SECONDS)
    await deps.docker.remove(container.id)
    actions.push(`removed container ${container.name}`)
  }
  const ledger = await deps.state.read(service)
  if (ledger.current || ledger.previous || ledger.pending) {
    await deps.state.write({ service, nextSequence: ledger.nextSequence, history: ledger.history })
    actions.push(`cleared its current and previous releases (history kept)`)
  }
  return actions
}
