import type { ServiceConfig } from '../../shared/agent-config/types.ts'
import type { ImageInfo } from '../docker/engine.ts'
import type { DeployerDeps } from './deps.ts'
import { serviceContainers } from './service-containers.ts'

export interface PruneInput {
  readonly repository: string
  readonly images: readonly ImageInfo[]
  /** Digests that must stay: current, previous and pending releases. */
  readonly protectedDigests: readonly string[]
  /** Digests of the service's releases, most recently deployed first. */
  readonly recentDigests: readonly string[]
  /** Image ids that containers still use. */
  readonly inUse: readonly string[]
  readonly keep: number
}

/**
 * Pure: the images to remove. Images are ranked by how recently the service deployed them (images
 * it never deployed last, newest build first); those beyond `keep` go, never a protected or used one.
 */
export function planPrune(input: PruneInput): readonly ImageInfo[] {
  const refOf = (digest: string) => `${input.repository}@${digest}`
  const pinned = new Set(input.protectedDigests.map(refOf))
  const rankOf = new Map(input.recentDigests.map((digest, index) => [refOf(digest), index]))
  const rank = (image: ImageInfo) =>
    Math.min(...image.repoDigests.map((ref) => rankOf.get(ref) ?? Number.POSITIVE_INFINITY))
  const inUse = new Set(input.inUse)
  return [...input.images]
    .sort((a, b) => rank(a) - rank(b) || b.created - a.created || a.id.localeCompare(b.id))
    .filter((_image, index) => index >= input.keep)
    .filter((image) => !inUse.has(image.id) && !image.repoDigests.some((ref) => pinned.has(ref)))
}

/** Removes one service's surplus images; the caller holds the service lock. Returns what it did. */
export async function pruneService(
  deps: DeployerDeps,
  agentId: string,
  service: ServiceConfig,
): Promise<string[]> {
  const ledger = await deps.state.read(service.name)
  const containers = await serviceContainers(deps, agentId, service.name)
  const inUse = await Promise.all(containers.map(async (c) => (await deps.docker.inspect(c.id))?.imageId))
  const remove = planPrune({
    repository: service.repository,
    images: await deps.docker.listImages(service.repository),
    protectedDigests: [ledger.current, ledger.previous, ledger.pending].flatMap((r) => (r ? [r.digest] : [])),
    recentDigests: [...ledger.history].reverse().map((release) => release.digest),
    inUse: inUse.filter((id): id is string => id !== undefined),
    keep: service.keepImages,
  })
  const actions: string[] = []
  for (const image of remove) {
    const name = image.repoDigests[0] ?? image.repoTags[0] ?? image.id
    try {
      await deps.docker.removeImage(image.id)
      actions.push(`${service.name}: removed image ${name}`)
    } catch (error) {
      actions.push(`${service.name}: kept image ${name}: ${(error as Error).message}`)
    }
  }
  return actions
}
