import type { Logger } from 'pino'
import type { AgentConfig } from '../../shared/agent-config/types.ts'
import type { ParameterSource } from '../config/parameter-source.ts'
import type { DockerEngine } from '../docker/engine.ts'
import type { RegistryAuth } from '../ecr/registry-auth.ts'
import type { Clock } from '../health/clock.ts'
import type { Probes } from '../health/probes.ts'
import type { TrafficSwitch } from '../proxy/traffic-switch.ts'
import type { StateStore } from '../state/state-store.ts'

/** Everything the deploy engine acts through. agent/main.ts builds the real ones; tests pass fakes. */
export interface DeployerDeps {
  /** The configuration in force; read at the start of each operation, so a reload applies to the next one. */
  readonly config: () => AgentConfig
  readonly docker: DockerEngine
  readonly registryAuth: RegistryAuth
  readonly parameters: ParameterSource
  readonly state: StateStore
  readonly clock: Clock
  readonly logger: Logger
  /** Network probes for health checks; default: real HTTP and TCP. */
  readonly probes?: Probes
  /** The proxy holding blue-green services' public ports; required only by blue-green services. */
  readonly traffic?: TrafficSwitch
  /** Lines of a failed container's log quoted in the error; default 20. */
  readonly logTailLines?: number
}
