import type { ServiceConfig } from '../../shared/agent-config/types.ts'
import { networkProbes } from '../health/probes.ts'
import { type HealthVerdict, waitHealthy } from '../health/wait-healthy.ts'
import type { DeployerDeps } from './deps.ts'

/**
 * The one health gate of the deploy engine: a started container against its service's check, through the
 * engine, probes and clock the deployer was given. Deploy steps and reconcile's repairs both pass here.
 */
export function healthOf(
  deps: Pick<DeployerDeps, 'docker' | 'probes' | 'clock'>,
  service: ServiceConfig,
  containerId: string,
): Promise<HealthVerdict> {
  return waitHealthy({
    check: service.healthCheck,
    inspect: () => deps.docker.inspect(containerId),
    probes: deps.probes ?? networkProbes,
    clock: deps.clock,
  })
}
