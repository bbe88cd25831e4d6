import type {
  ContainerInfo,
  ContainerSpec,
  ContainerSummary,
  DockerEngine,
  ImageInfo,
  RegistryCredentials,
} from '../../../agent/docker/engine.ts'

/** The real engine, recording which images were pulled and which containers were created. */
export class RecordingDocker implements DockerEngine {
  readonly pulls: string[] = []
  readonly created: ContainerSpec[] = []
  /** Runs just before `stop`, so a test can simulate a crash in the middle of a deploy. */
  beforeStop: (() => Promise<void>) | undefined
  /** Runs just after `stop`, e.g. to take the freed host port. */
  afterStop: (() => Promise<void>) | undefined
  /** Images Docker says it does not have, whatever a pull said: as after a daemon restart mid-pull. */
  readonly missingImages = new Set<string>()
  readonly stopped: string[] = []

  private readonly engine: DockerEngine

  constructor(engine: DockerEngine) {
    this.engine = engine
  }

  async pull(image: string, auth: RegistryCredentials, onProgress?: (line: string) => void): Promise<void> {
    this.pulls.push(image)
    return this.engine.pull(image, auth, onProgress)
  }
  inspectImage(reference: string): Promise<ImageInfo | null> {
    if (this.missingImages.has(reference)) return Promise.resolve(null)
    return this.engine.inspectImage(reference)
  }
  listImages(repository: string): Promise<readonly ImageInfo[]> {
    return this.engine.listImages(repository)
  }
  removeImage(id: string): Promise<void> {
    return this.engine.removeImage(id)
  }
  create(spec: ContainerSpec): Promise<string> {
    this.created.push(spec)
    return this.engine.create(spec)
  }
  start(id: string): Promise<void> {
    return this.engine.start(id)
  }
  async stop(id: string, timeoutSeconds: number): Promise<void> {
    await this.beforeStop?.()
    this.stopped.push(id)
    await this.engine.stop(id, timeoutSeconds)
    await this.afterStop?.()
  }
  remove(id: string): Promise<void> {
    return this.engine.remove(id)
  }
  inspect(id: string): Promise<ContainerInfo | null> {
    return this.engine.inspect(id)
  }
  listContainers(labels: Readonly<Record<string, string>>): Promise<readonly ContainerSummary[]> {
    return this.engine.listContainers(labels)
  }
  logsTail(id: string, lines: number): Promise<string> {
    return this.engine.logsTail(id, lines)
  }
}
