import type { PortMapping, ServiceConfig } from '../../shared/agent-config/types.js'
import type { ContainerSpec } from '../docker/engine.js'

/** Labels on every managed container; other containers on the host are never touched. */
export const LABEL_AGENT = 'ecr-deploy.agent'
export const LABEL_SERVICE = 'ecr-deploy.service'
export const LABEL_RELEASE = 'ecr-deploy.release'

export function containerName(agentId: string, service: string, releaseId: string): string {
  return `ecr-deploy-${agentId}-${service}-${releaseId}`
}

/** The labels that select one service's containers (or all of an agent's, without `service`). */
export function managedLabels(agentId: string, service?: string): Readonly<Record<string, string>> {
  return service === undefined
    ? { [LABEL_AGENT]: agentId }
    : { [LABEL_AGENT]: agentId, [LABEL_SERVICE]: service }
}

export interface ReleaseContainerInput {
  readonly agentId: string
  readonly service: ServiceConfig
  readonly releaseId: string
  /** Digest-pinned image reference. */
  readonly image: string
  /** `env` merged with the values read for `envFromParameters`. */
  readonly env: Readonly<Record<string, string>>
}

/**
 * Pure: the container for a release, built from configuration and image only. A container is never
 * cloned from the running one, so a configuration change applies on the next deploy or restore.
 */
export function releaseContainerSpec(input: ReleaseContainerInput): ContainerSpec {
  const { service } = input
  return {
    name: containerName(input.agentId, service.name, input.releaseId),
    image: input.image,
    // Our labels last, so a configured label cannot hide a container from the agent.
    labels: {
      ...service.labels,
      [LABEL_AGENT]: input.agentId,
      [LABEL_SERVICE]: service.name,
      [LABEL_RELEASE]: input.releaseId,
    },
    env: input.env,
    ...(service.command === undefined ? {} : { command: service.command }),
    ...(service.user === undefined ? {} : { user: service.user }),
    ports: service.strategy === 'blue-green' ? service.ports.map(privatePort) : service.ports,
    volumes: service.volumes,
    restart: service.restart,
    ...(service.memoryBytes === undefined ? {} : { memoryBytes: service.memoryBytes }),
    ...(service.cpus === undefined ? {} : { cpus: service.cpus }),
    ...(service.network === undefined ? {} : { network: service.network }),
    init: service.init,
    stopTimeoutSeconds: service.stopTimeoutSeconds,
  }
}

/**
 * blue-green: the proxy holds the public port, so each release publishes on loopback only, on a port
 * Docker picks (0); two releases can then run side by side. The port is read back from inspect.
 */
function privatePort(port: PortMapping): PortMapping {
  return { hostIp: '127.0.0.1', hostPort: 0, containerPort: port.containerPort }
}
