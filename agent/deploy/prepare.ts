import type { AgentConfig, ServiceConfig } from '../../shared/agent-config/types.ts'
import { AwsError, ImageNotAllowedError, PullFailedError, UnknownServiceError } from '../../shared/errors.ts'
import { formatImageRef, type ImageRef, parseImageRef, repositoryUri } from '../../shared/image-ref.ts'
import type { ParameterSource } from '../config/parameter-source.ts'
import type { DockerEngine } from '../docker/engine.ts'
import type { RegistryAuth } from '../ecr/registry-auth.ts'

/** Checks a request against the configuration before anything is touched. */
export function validateRequest(
  config: AgentConfig,
  serviceName: string,
  image: string,
): { service: ServiceConfig; ref: ImageRef } {
  const service = serviceOf(config, serviceName)
  const ref = parseImageRef(image)
  if (repositoryUri(ref) !== service.repository) {
    throw new ImageNotAllowedError(
      `image ${image} is not from ${service.repository}, the repository configured for service "${service.name}" in ${config.file}`,
    )
  }
  return { service, ref }
}

export function serviceOf(config: AgentConfig, name: string): ServiceConfig {
  const service = config.services[name]
  if (!service) {
    const known = Object.keys(config.services).join(', ') || 'none'
    throw new UnknownServiceError(
      `service "${name}" is not configured in ${config.file} (configured: ${known})`,
    )
  }
  return service
}

export interface ImageSources {
  readonly docker: DockerEngine
  readonly registryAuth: RegistryAuth
}

/**
 * Pulls with a registry token obtained for this pull; progress lines go to `onLine`. A failure Docker
 * reports (the registry's reason included) is the pull's error. Then checks that Docker has the image,
 * the last guard: a pull can end without an error and without the image (seen when dockerd was
 * restarted mid-pull), and the plan stops the old release only after this step.
 */
export async function pullImage(
  sources: ImageSources,
  image: string,
  onLine: (line: string) => void,
): Promise<void> {
  const auth = await sources.registryAuth.authFor(parseImageRef(image))
  await sources.docker.pull(image, auth, onLine)
  if ((await sources.docker.inspectImage(image)) === null) {
    throw new PullFailedError(
      `the pull of ${image} ended without an error, but Docker has no such image; nothing was changed. ` +
        'Check that dockerd kept running (journalctl -u docker) and deploy again',
    )
  }
}

/** What a reference resolves to: a digest-pinned image, and whether it is already local. */
export interface ResolvedImage {
  readonly image: string
  readonly digest: string
  readonly local: boolean
}

/**
 * A digest-pinned reference is checked locally, without contacting the registry, so that the
 * common re-run of the same deploy costs nothing. A tag is pulled (cheap when the layers are there)
 * and its digest read from the pulled image's RepoDigests.
 */
export async function resolveImage(
  sources: ImageSources,
  ref: ImageRef,
  onLine: (line: string) => void,
): Promise<ResolvedImage> {
  const repository = repositoryUri(ref)
  if (ref.digest) {
    const image = formatImageRef(ref)
    return { image, digest: ref.digest, local: (await sources.docker.inspectImage(image)) !== null }
  }
  const tagged = formatImageRef(ref)
  await pullImage(sources, tagged, onLine)
  const info = await sources.docker.inspectImage(tagged)
  const pinned = info?.repoDigests.find((entry) => entry.startsWith(`${repository}@`))
  if (!pinned)
    throw new PullFailedError(`pulled ${tagged} but Docker reports no digest for it from ${repository}`)
  const digest = pinned.slice(repository.length + 1)
  return { image: `${repository}@${digest}`, digest, local: true }
}

/** The container environment: configured values plus those read from Parameter Store. */
export async function resolveEnv(
  parameters: ParameterSource,
  service: ServiceConfig,
): Promise<Readonly<Record<string, string>>> {
  const wanted = Object.entries(service.envFromParameters)
  if (wanted.length === 0) return service.env
  const values = await parameters.get(wanted.map(([, parameter]) => parameter))
  const env: Record<string, string> = { ...service.env }
  for (const [name, parameter] of wanted) {
    const value = values[parameter]
    if (value === undefined) {
      throw new AwsError(
        `Parameter Store returned no value for ${parameter} (${name} of service "${service.name}"); check that it exists`,
      )
    }
    env[name] = value
  }
  return env
}
