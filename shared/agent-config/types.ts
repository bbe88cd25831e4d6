/**
 * The agent configuration as the rest of the agent sees it: validated, with defaults applied and
 * units normalised (bytes, milliseconds), and frozen. The file format lives in schema.ts.
 */

/** A published port: `hostPort:containerPort`, optionally bound to one host address. */
export interface PortMapping {
  readonly hostIp?: string
  readonly hostPort: number
  readonly containerPort: number
}

/** A bind mount: `host:container[:ro]`. */
export interface VolumeMount {
  readonly hostPath: string
  readonly containerPath: string
  readonly readOnly: boolean
}

/** How to tell that a started container serves. */
export type HealthProbe =
  | { readonly kind: 'http'; readonly path: string; readonly port: number; readonly expectedStatus: number }
  | { readonly kind: 'tcp'; readonly port: number }
  /** The image's own HEALTHCHECK, as Docker reports it. */
  | { readonly kind: 'docker' }
  /** No check configured: the container must keep running through the start period. */
  | { readonly kind: 'running' }

export interface HealthCheckConfig {
  readonly probe: HealthProbe
  readonly intervalMs: number
  readonly timeoutMs: number
  /** Failures during this period do not count; a container that exits still fails at once. */
  readonly startPeriodMs: number
  /** Consecutive failed probes, after the start period, that make the release unhealthy. */
  readonly retries: number
}

export type RestartPolicy = 'no' | 'on-failure' | 'always' | 'unless-stopped'

/**
 * What a release's spec may ask for beyond the service's own entry, which is always allowed (the
 * `allow:` block of agent.yaml). The repository is never the release's to choose.
 */
export interface ServiceAllowance {
  readonly hostPorts: readonly number[]
  /** Absolute, normalised host paths; a release may mount them or anything below them. */
  readonly volumeRoots: readonly string[]
  /** Prefixes ending in "/"; a release may read parameters below them. */
  readonly parameterPaths: readonly string[]
  readonly maxMemoryBytes?: number
  readonly maxCpus?: number
}

export interface ServiceConfig {
  readonly name: string
  /** `<registry>/<repository>`: the only images this service may run. */
  readonly repository: string
  /**
   * recreate: stop the old container, then start the new one (a short outage). blue-green: start the
   * new one beside the old, then switch the proxy holding the public ports (see agent/proxy/).
   */
  readonly strategy: 'recreate' | 'blue-green'
  /** blue-green: the longest wait for the old release's connections to finish before stopping it. */
  readonly drainTimeoutSeconds: number
  readonly ports: readonly PortMapping[]
  readonly env: Readonly<Record<string, string>>
  /** Environment variable name -> SSM parameter name (String or SecureString). */
  readonly envFromParameters: Readonly<Record<string, string>>
  readonly volumes: readonly VolumeMount[]
  readonly command?: readonly string[]
  readonly user?: string
  readonly restart: RestartPolicy
  readonly labels: Readonly<Record<string, string>>
  readonly memoryBytes?: number
  readonly cpus?: number
  readonly network?: string
  readonly init: boolean
  readonly stopTimeoutSeconds: number
  readonly keepImages: number
  readonly healthCheck: HealthCheckConfig
  readonly allow: ServiceAllowance
}

export interface AgentConfig {
  /** The file it was read from, for messages. */
  readonly file: string
  /** Labels and names every managed container, so several agents can share one Docker daemon. */
  readonly agentId: string
  /**
   * The release namespace (`/ecr-deploy/<environment>/<service>`). Absent in a file written before
   * releases were records: the desired-state job then reads the old `/ecr-deploy/<service>`.
   */
  readonly environment?: string
  readonly services: Readonly<Record<string, ServiceConfig>>
}
