import { ImageUnavailableError, UsageError } from '../shared/errors.ts'
import { formatImageRef, type ImageRef, parseImageRef } from '../shared/image-ref.ts'
import type { DeployedTag, ImageAvailability } from './ecr/retention.ts'
import type { RegistryDeps } from './registry-deps.ts'
import { DEPLOYED_TAG_PREFIX } from './setup/lifecycle.ts'

/*
 * Retention that never breaks a rollback. Each release that becomes stable tags its digest in ECR
 * `deployed-<environment>.<service>.<version>` (the version of the release parameter that says `stable`),
 * and the lifecycle policy's first rule never lets a lower rule expire an image with a `deployed-` tag. The
 * controller keeps the newest --keep-deployed of these tags per environment and service and removes older
 * ones. ECR's BatchDeleteImage removes only the tag while the image has other tags; when it was the image's
 * last tag the image is deleted with it. So a release older than the window can still be rolled back to
 * only while its image keeps another tag, and then only for as long as the policy's other rules keep it;
 * a rollback checks, and refuses a digest that is gone or archived.
 */

export const DEFAULT_KEEP_DEPLOYED = 10

/** `--keep-deployed`: at least 2, so that the stable release and the one it replaced are both kept. */
export function parseKeepDeployed(text: string | undefined): number {
  const keep = Number(text ?? DEFAULT_KEEP_DEPLOYED)
  if (!Number.isInteger(keep) || keep < 2 || keep > 1000) {
    throw new UsageError(
      `--keep-deployed: "${text}" is not a whole number from 2 to 1000: the stable release and the one it replaced are always kept`,
    )
  }
  return keep
}

/** The prefix of one environment's and service's tags; neither name can hold a `.`, so none overlap. */
export function deployedPrefix(environment: string, service: string): string {
  return `${DEPLOYED_TAG_PREFIX}${environment}.${service}.`
}

export function deployedTag(environment: string, service: string, version: number): string {
  return `${deployedPrefix(environment, service)}${version}`
}

/** The tags to remove once `added` is in place: all of this prefix beyond the newest `keep` versions. */
export function tagsBeyondWindow(
  existing: readonly DeployedTag[],
  prefix: string,
  added: string,
  keep: number,
): string[] {
  const versionOf = (tag: string) =>
    /^\d+$/.test(tag.slice(prefix.length)) ? Number(tag.slice(prefix.length)) : undefined
  const tags = [...new Set([...existing.map((entry) => entry.tag), added])].filter(
    (tag) => tag.startsWith(prefix) && versionOf(tag) !== undefined,
  )
  const newestFirst = tags.sort((a, b) => (versionOf(b) ?? 0) - (versionOf(a) ?? 0))
  return newestFirst.slice(keep)
}

export interface RetentionOptions {
  readonly environment: string
  readonly service: string
  readonly keepDeployed?: number
}

/**
 * After a release became stable (as `version`): tag its digest, then remove the tags beyond the window.
 * A failure here does not undo a deploy that succeeded: it is returned as a warning to print.
 */
export async function tagDeployed(
  deps: RegistryDeps,
  options: RetentionOptions,
  image: string,
  version: number,
): Promise<string | undefined> {
  if (deps.retention === undefined) return undefined
  const ref = parseImageRef(image)
  const tag = deployedTag(options.environment, options.service, version)
  try {
    await deps.retention.tag(ref, tag)
    const prefix = deployedPrefix(options.environment, options.service)
    const keep = options.keepDeployed ?? DEFAULT_KEEP_DEPLOYED
    const remove = tagsBeyondWindow(await deps.retention.tagged(ref, prefix), prefix, tag, keep)
    await deps.retention.untag(ref, remove)
    const removed =
      remove.length === 0 ? '' : `; removed ${remove.length} older tag(s) beyond the last ${keep}`
    return `tagged ${formatImageRef(ref)} as ${tag}${removed}`
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error)
    return `warning: the release is stable, but tagging its image ${tag} failed, so the lifecycle policy does not protect it: ${why}`
  }
}

const UNAVAILABLE: Readonly<Record<Exclude<ImageAvailability, 'active'>, string>> = {
  gone: 'is not in ECR as an image that can be pulled: deleted, expired by a lifecycle policy, or archived',
  archived: 'is archived in ECR: instances cannot pull it until it is restored (about 20 minutes)',
  activating: 'is being restored from the ECR archive and cannot be pulled yet',
}

/** Why the image cannot be pulled now, or undefined when it can (or nothing can tell). */
export async function unavailable(deps: RegistryDeps, image: string | ImageRef): Promise<string | undefined> {
  if (deps.retention === undefined) return undefined
  const ref = typeof image === 'string' ? parseImageRef(image) : image
  const status = await deps.retention.availability(ref)
  return status === 'active' ? undefined : `${formatImageRef(ref)} ${UNAVAILABLE[status]}`
}

/** Refuses, before anything is written or sent, a release whose image instances could not pull. */
export async function requireAvailable(
  deps: RegistryDeps,
  image: string | ImageRef,
  what: string,
): Promise<void> {
  const why = await unavailable(deps, image)
  if (why !== undefined) {
    throw new ImageUnavailableError(
      `${what}: ${why}; nothing was written or sent: restore it (aws ecr update-image-storage-class --target-storage-class STANDARD) and run this again, or choose a release whose image ECR still holds`,
    )
  }
}
