import type { ServiceConfig } from '../../shared/agent-config/types.ts'
import { networkProbes } from '../health/probes.ts'
import { probeOnce } from '../health/wait-healthy.ts'
import { LABEL_RELEASE, managedLabels } from './container-labels.ts'
import type { DeployerDeps } from './deps.ts'
import type { ServiceContainer } from './plan.ts'

/** One service's managed containers, as the planners see them. */
export async function serviceContainers(
  deps: DeployerDeps,
  agentId: string,
  service: string,
): Promise<readonly ServiceContainer[]> {
  const listed = await deps.docker.listContainers(managedLabels(agentId, service))
  return listed.map((c) => ({ id: c.id, releaseId: c.labels[LABEL_RELEASE], running: c.state === 'running' }))
}

/** The release's container is running and passes one probe right now. */
export async function serves(
  deps: DeployerDeps,
  service: ServiceConfig,
  containers: readonly ServiceContainer[],
  releaseId: string,
): Promise<boolean> {
  const container = containers.find((c) => c.releaseId === releaseId && c.running)
  if (!container) return false
  const info = await deps.docker.inspect(container.id)
  if (!info?.running || info.state === 'restarting') return false
  const result = await probeOnce(service.healthCheck, info, deps.probes ?? networkProbes)
  return result.ok
}
