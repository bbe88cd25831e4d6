import type { ServiceConfig } from '../../shared/agent-config/types.ts'
import type { ContainerSpec } from '../docker/engine.ts'
import { containerName, LABEL_AGENT, LABEL_RELEASE, LABEL_SERVICE } from './container-labels.ts'
import { strategyOf } from './strategy/select.ts'

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
    ports: strategyOf(service).publishedPorts(service),
    volumes: service.volumes,
    restart: service.restart,
    ...(service.memoryBytes === undefined ? {} : { memoryBytes: service.memoryBytes }),
    ...(service.cpus === undefined ? {} : { cpus: service.cpus }),
    ...(service.network === undefined ? {} : { network: service.network }),
    init: service.init,
    stopTimeoutSeconds: service.stopTimeoutSeconds,
  }
}
