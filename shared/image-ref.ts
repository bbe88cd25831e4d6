import { ImageRefError } from './errors.ts'
import { partitionOf, registrySuffixesOf } from './partition.ts'

/** A parsed ECR image reference. Frozen: build a new one with {@link withDigest}. */
export interface ImageRef {
  /** `<account>.dkr.ecr.<region>.amazonaws.com`, or its FIPS, dual-stack or China form */
  readonly registry: string
  readonly accountId: string
  readonly region: string
  readonly repository: string
  readonly tag?: string
  /** `sha256:<64 hex>` */
  readonly digest?: string
}

const REGION_SOURCE = '[a-z]{2}(?:-[a-z]+)+-\\d'
// IPv4 hosts are dkr.ecr[-fips].<region>.amazonaws.com[.cn]; dual-stack ones dkr-ecr[-fips].<region>.on.aws
// (on.amazonwebservices.com.cn in China). Which suffix fits is checked against the region's partition.
const HOST_SOURCE = `(?:dkr\\.ecr(?:-fips)?\\.${REGION_SOURCE}\\.amazonaws\\.com(?:\\.cn)?|dkr-ecr(?:-fips)?\\.${REGION_SOURCE}\\.on\\.(?:aws|amazonwebservices\\.com\\.cn))`
const REGISTRY = /^(\d{12})\.(dkr\.ecr|dkr-ecr)(-fips)?\.([a-z]{2}(?:-[a-z]+)+-\d)\.([a-z.]+)$/
const REPOSITORY_SOURCE = '[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*'
const REPOSITORY = new RegExp(`^${REPOSITORY_SOURCE}$`)
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/
const DIGEST = /^sha256:[a-f0-9]{64}$/

/**
 * The digest-pinned ECR image pattern, as the SSM document's allowedPattern uses it.
 * It is the injection guard for the agent command line, so it admits no shell metacharacter.
 */
export const PINNED_IMAGE_PATTERN = `^\\d{12}\\.${HOST_SOURCE}/${REPOSITORY_SOURCE}@sha256:[a-f0-9]{64}$`

/** Whether the host's suffix is the one its region's partition uses, for its kind (IPv4 or dual-stack). */
function suffixFits(kind: string, fips: boolean, region: string, suffix: string): boolean {
  const partition = partitionOf(region)
  const suffixes = registrySuffixesOf(partition)
  // FIPS endpoints exist in the standard and GovCloud partitions only.
  if (fips && partition === 'aws-cn') return false
  return suffix === (kind === 'dkr-ecr' ? suffixes.dualStack : suffixes.ipv4)
}

/** Parses `<registry>/<repository>[:tag][@sha256:...]`; throws ImageRefError naming the bad part. */
export function parseImageRef(input: string): ImageRef {
  const text = input.trim()
  const slash = text.indexOf('/')
  if (slash < 0) {
    throw new ImageRefError(
      `image "${input}" has no registry: expected an ECR URI such as 123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.2.3`,
    )
  }
  const registry = text.slice(0, slash)
  const registryMatch = REGISTRY.exec(registry)
  const [, accountId = '', kind = '', fips, region = '', suffix = ''] = registryMatch ?? []
  if (!registryMatch || !suffixFits(kind, fips !== undefined, region, suffix)) {
    throw new ImageRefError(
      `image "${input}": "${registry}" is not an ECR registry (<12-digit account>.dkr.ecr.<region>.amazonaws.com, .amazonaws.com.cn in China, dkr.ecr-fips for FIPS, <account>.dkr-ecr.<region>.on.aws for dual-stack)`,
    )
  }
  let rest = text.slice(slash + 1)
  let digest: string | undefined
  const at = rest.indexOf('@')
  if (at >= 0) {
    digest = rest.slice(at + 1)
    rest = rest.slice(0, at)
    if (!DIGEST.test(digest)) {
      throw new ImageRefError(
        `image "${input}": digest "${digest}" is not sha256:<64 lowercase hex characters>`,
      )
    }
  }
  let tag: string | undefined
  const colon = rest.lastIndexOf(':')
  if (colon >= 0) {
    tag = rest.slice(colon + 1)
    rest = rest.slice(0, colon)
    if (!TAG.test(tag)) {
      throw new ImageRefError(
        `image "${input}": tag "${tag}" is not valid (letters, digits, _ . -; at most 128; not starting with . or -)`,
      )
    }
  }
  if (rest.length < 2 || rest.length > 256 || !REPOSITORY.test(rest)) {
    throw new ImageRefError(
      `image "${input}": repository "${rest}" is not a valid ECR repository name (lowercase, digits, . _ - /, 2 to 256 characters)`,
    )
  }
  if (tag === undefined && digest === undefined) {
    throw new ImageRefError(
      `image "${input}" names neither a tag nor a digest: add :<tag> or @sha256:<digest>`,
    )
  }
  return Object.freeze({
    registry,
    accountId,
    region,
    repository: rest,
    ...(tag === undefined ? {} : { tag }),
    ...(digest === undefined ? {} : { digest }),
  })
}

/** The same image pinned to a digest (the tag is kept for display only). */
export function withDigest(ref: ImageRef, digest: string): ImageRef {
  if (!DIGEST.test(digest))
    throw new ImageRefError(`digest "${digest}" is not sha256:<64 lowercase hex characters>`)
  return Object.freeze({ ...ref, digest })
}

/** `<registry>/<repository>` */
export function repositoryUri(ref: ImageRef): string {
  return `${ref.registry}/${ref.repository}`
}

/** The canonical text: digest-pinned when a digest is known (`repo@sha256:...`), else `repo:tag`. */
export function formatImageRef(ref: ImageRef): string {
  return ref.digest ? `${repositoryUri(ref)}@${ref.digest}` : `${repositoryUri(ref)}:${ref.tag ?? 'latest'}`
}
