import Docker from 'dockerode'
import { DockerError, ImageNotFoundError, PullFailedError } from '../../shared/errors.ts'
import { containerCreateOptions } from './container-options.ts'
import type {
  ContainerInfo,
  ContainerSpec,
  ContainerStateName,
  ContainerSummary,
  DockerEngine,
  ImageInfo,
  RegistryCredentials,
} from './engine.ts'
import { demuxLogFrames } from './log-frames.ts'
import { type PullEvent, PullProgress, pullFailure } from './pull-progress.ts'

/** The one DockerEngine: dockerode over the Docker socket (DOCKER_HOST is honoured by dockerode). */
export class DockerodeEngine implements DockerEngine {
  readonly #docker: Docker

  constructor(options: { socketPath?: string } = {}) {
    this.#docker = options.socketPath ? new Docker({ socketPath: options.socketPath }) : new Docker()
  }

  async pull(image: string, auth: RegistryCredentials, onProgress?: (line: string) => void): Promise<void> {
    const { repository, reference } = splitReference(image)
    const progress = new PullProgress()
    let failure: string | null = null
    try {
      // Credentials travel in the X-Registry-Auth header of this one request; nothing is stored.
      const stream = await this.#docker.createImage({ ...auth }, { fromImage: repository, tag: reference })
      await new Promise<void>((resolve, reject) => {
        this.#docker.modem.followProgress(
          stream,
          (error) => (error ? reject(error) : resolve()),
          (event: PullEvent) => {
            // followProgress passes only a broken stream to its callback; a failure dockerd reports
            // inside the stream is a message like any other, and the stream then ends normally.
            failure ??= pullFailure(event)
            const line = progress.line(event)
            if (line !== null) onProgress?.(line)
          },
        )
      })
    } catch (error) {
      throw pullError(image, redacted(messageOf(error), auth), error)
    }
    // No cause: there is no error object, and Docker's text (redacted here) is all there is to say.
    if (failure !== null) throw pullError(image, redacted(failure, auth))
  }

  async inspectImage(reference: string): Promise<ImageInfo | null> {
    try {
      const info = await this.#docker.getImage(reference).inspect()
      return {
        id: info.Id,
        repoDigests: info.RepoDigests ?? [],
        repoTags: info.RepoTags ?? [],
        created: Math.floor(Date.parse(info.Created) / 1000),
      }
    } catch (error) {
      if (statusOf(error) === 404) return null
      throw dockerError(`inspecting image ${reference}`, error)
    }
  }

  async listImages(repository: string): Promise<readonly ImageInfo[]> {
    const images = await this.#call(`listing images of ${repository}`, () => this.#docker.listImages())
    const prefixes = [`${repository}@`, `${repository}:`]
    return images
      .filter((image) =>
        [...(image.RepoDigests ?? []), ...(image.RepoTags ?? [])].some((ref) =>
          prefixes.some((p) => ref.startsWith(p)),
        ),
      )
      .map((image) => ({
        id: image.Id,
        repoDigests: image.RepoDigests ?? [],
        repoTags: image.RepoTags ?? [],
        created: image.Created,
      }))
  }

  async removeImage(id: string): Promise<void> {
    // Not forced: an image another container uses, or that another repository also names, stays.
    await this.#call(`removing image ${id}`, () => this.#docker.getImage(id).remove({ force: false }))
  }

  async create(spec: ContainerSpec): Promise<string> {
    const container = await this.#call(`creating container ${spec.name}`, () =>
      this.#docker.createContainer(containerCreateOptions(spec)),
    )
    return container.id
  }

  async start(id: string): Promise<void> {
    await this.#call(`starting container ${id}`, () => this.#docker.getContainer(id).start())
  }

  async stop(id: string, timeoutSeconds: number): Promise<void> {
    try {
      await this.#docker.getContainer(id).stop({ t: timeoutSeconds })
    } catch (error) {
      // 304: already stopped; 404: already gone. Both reach the state the caller wanted.
      if (statusOf(error) === 304 || statusOf(error) === 404) return
      throw dockerError(`stopping container ${id}`, error)
    }
  }

  async remove(id: string): Promise<void> {
    try {
      await this.#docker.getContainer(id).remove({ force: true, v: true })
    } catch (error) {
      if (statusOf(error) === 404) return
      throw dockerError(`removing container ${id}`, error)
    }
  }

  async inspect(id: string): Promise<ContainerInfo | null> {
    let info: Docker.ContainerInspectInfo
    try {
      info = await this.#docker.getContainer(id).inspect()
    } catch (error) {
      if (statusOf(error) === 404) return null
      throw dockerError(`inspecting container ${id}`, error)
    }
    const networks = Object.values(info.NetworkSettings.Networks ?? {})
    const ipAddress = networks.map((n) => n.IPAddress).find((ip) => ip !== '')
    const ports = Object.entries(info.NetworkSettings.Ports ?? {}).flatMap(([key, bindings]) =>
      (bindings ?? []).map((b) => ({
        containerPort: Number.parseInt(key, 10),
        hostIp: b.HostIp,
        hostPort: Number(b.HostPort),
      })),
    )
    return {
      id: info.Id,
      name: info.Name.replace(/^\//, ''),
      image: info.Config.Image,
      imageId: info.Image,
      labels: info.Config.Labels ?? {},
      state: info.State.Status as ContainerStateName,
      running: info.State.Running,
      exitCode: info.State.ExitCode,
      restartCount: info.RestartCount,
      health: (info.State.Health?.Status as ContainerInfo['health'] | undefined) ?? 'none',
      ...(ipAddress === undefined ? {} : { ipAddress }),
      ports,
    }
  }

  async listContainers(labels: Readonly<Record<string, string>>): Promise<readonly ContainerSummary[]> {
    const label = Object.entries(labels).map(([key, value]) => `${key}=${value}`)
    const containers = await this.#call('listing containers', () =>
      this.#docker.listContainers({ all: true, filters: { label } }),
    )
    return containers.map((c) => ({
      id: c.Id,
      name: (c.Names[0] ?? '').replace(/^\//, ''),
      image: c.Image,
      labels: c.Labels,
      state: c.State as ContainerStateName,
    }))
  }

  async logsTail(id: string, lines: number): Promise<string> {
    const buffer = await this.#call(`reading logs of container ${id}`, () =>
      this.#docker.getContainer(id).logs({ stdout: true, stderr: true, tail: lines, follow: false }),
    )
    return demuxLogFrames(buffer)
  }

  async #call<T>(what: string, action: () => Promise<T>): Promise<T> {
    try {
      return await action()
    } catch (error) {
      throw dockerError(what, error)
    }
  }
}

/** `repo:tag` or `repo@sha256:...` (a tag shown before a digest is dropped: the digest decides). */
function splitReference(image: string): { repository: string; reference: string } {
  const at = image.indexOf('@')
  if (at >= 0)
    return { repository: image.slice(0, at).replace(/:[^/]*$/, ''), reference: image.slice(at + 1) }
  const colon = image.lastIndexOf(':')
  return colon > image.lastIndexOf('/')
    ? { repository: image.slice(0, colon), reference: image.slice(colon + 1) }
    : { repository: image, reference: 'latest' }
}

function statusOf(error: unknown): number | undefined {
  return (error as { statusCode?: number } | null)?.statusCode
}

function messageOf(error: unknown): string {
  const json = (error as { json?: { message?: string } } | null)?.json
  if (json?.message) return json.message
  return error instanceof Error ? error.message : String(error)
}

function redacted(text: string, auth: RegistryCredentials): string {
  return auth.password ? text.replaceAll(auth.password, '[redacted]') : text
}

/** A failed pull, by its reason: the registry does not know the image, or anything else. */
function pullError(image: string, reason: string, cause?: unknown): PullFailedError | ImageNotFoundError {
  const options = cause === undefined ? {} : { cause }
  if (/not found|manifest unknown|name unknown/i.test(reason)) {
    return new ImageNotFoundError(`image ${image} was not found in the registry: ${reason}`, options)
  }
  return new PullFailedError(`pulling ${image} failed: ${reason}`, options)
}

function dockerError(what: string, error: unknown): DockerError {
  return new DockerError(`${what} failed: ${messageOf(error)}`, { cause: error })
}
