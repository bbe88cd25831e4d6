import type { PortMapping, RestartPolicy, VolumeMount } from '../../shared/agent-config/types.ts'

/**
 * Docker, in the deploy engine's words. The one implementation is the dockerode adapter; nothing
 * outside agent/docker/ sees dockerode types. Methods throw catalogue errors (DockerError,
 * PullFailedError, ImageNotFoundError) whose messages never contain credentials.
 */
export interface DockerEngine {
  /**
   * Pulls with credentials passed for this request only; nothing is written to ~/.docker. Resolves only
   * when Docker reported no failure, in the HTTP answer or inside its progress stream.
   */
  pull(image: string, auth: RegistryCredentials, onProgress?: (line: string) => void): Promise<void>
  /** The local image, or null when it is not present. */
  inspectImage(reference: string): Promise<ImageInfo | null>
  /** Local images whose repository (`<registry>/<repo>`) is the given one. */
  listImages(repository: string): Promise<readonly ImageInfo[]>
  /** Removes an image by id; throws DockerError when a container uses it or another repository names it. */
  removeImage(id: string): Promise<void>
  /** Creates a container from the spec, always fresh from configuration (never cloned). Returns its id. */
  create(spec: ContainerSpec): Promise<string>
  start(id: string): Promise<void>
  /** Sends SIGTERM, then SIGKILL after the timeout. Stopping a stopped container is not an error. */
  stop(id: string, timeoutSeconds: number): Promise<void>
  /** Removes a container, running or not; a missing one is not an error. */
  remove(id: string): Promise<void>
  /** The container's state, or null when it does not exist. */
  inspect(id: string): Promise<ContainerInfo | null>
  /** Containers (running or not) carrying all these labels. */
  listContainers(labels: Readonly<Record<string, string>>): Promise<readonly ContainerSummary[]>
  /** The last lines of stdout and stderr, interleaved as Docker stored them. */
  logsTail(id: string, lines: number): Promise<string>
}

/** Docker's `authconfig` for one registry. */
export interface RegistryCredentials {
  readonly username: string
  readonly password: string
  /** `https://<registry host>` */
  readonly serveraddress: string
}

/** Everything a managed container is created from. */
export interface ContainerSpec {
  readonly name: string
  /** Digest-pinned reference of a local image. */
  readonly image: string
  readonly labels: Readonly<Record<string, string>>
  readonly env: Readonly<Record<string, string>>
  readonly command?: readonly string[]
  readonly user?: string
  readonly ports: readonly PortMapping[]
  readonly volumes: readonly VolumeMount[]
  readonly restart: RestartPolicy
  readonly memoryBytes?: number
  readonly cpus?: number
  readonly network?: string
  /** Docker's tini as PID 1, so images that ignore SIGTERM still stop promptly. */
  readonly init: boolean
  readonly stopTimeoutSeconds: number
}

export interface ImageInfo {
  readonly id: string
  /** `<registry>/<repo>@sha256:...` entries, one per repository the image was pulled from. */
  readonly repoDigests: readonly string[]
  readonly repoTags: readonly string[]
  /** Seconds since the epoch. */
  readonly created: number
}

export type ContainerStateName =
  | 'created'
  | 'running'
  | 'paused'
  | 'restarting'
  | 'removing'
  | 'exited'
  | 'dead'

export interface PublishedPort {
  readonly containerPort: number
  readonly hostIp: string
  readonly hostPort: number
}

export interface ContainerInfo {
  readonly id: string
  readonly name: string
  readonly image: string
  readonly imageId: string
  readonly labels: Readonly<Record<string, string>>
  readonly state: ContainerStateName
  readonly running: boolean
  readonly exitCode: number
  readonly restartCount: number
  /** Docker HEALTHCHECK status; `none` when the image defines no check. */
  readonly health: 'none' | 'starting' | 'healthy' | 'unhealthy'
  /** Address on the first attached network, when there is one. */
  readonly ipAddress?: string
  readonly ports: readonly PublishedPort[]
}

export interface ContainerSummary {
  readonly id: string
  readonly name: string
  readonly image: string
  readonly labels: Readonly<Record<string, string>>
  readonly state: ContainerStateName
}
