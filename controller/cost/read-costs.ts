import type { ImageStorage } from '../ecr/storage-store.ts'
import type { CostRepository } from './storage-cost.ts'

/**
 * What the calculator needs of each repository, read through the ECR port: its images, their blobs, and
 * the digests ECR's own lifecycle preview would expire. A repository without a policy is previewed with
 * the one `setup lifecycle` would put (`proposedPolicy`), so "after" means the same thing everywhere.
 */
export async function readCosts(
  storage: ImageStorage,
  repositories: readonly string[] | undefined,
  proposedPolicy: string,
): Promise<CostRepository[]> {
  const names = repositories ?? (await storage.repositories())
  const result: CostRepository[] = []
  for (const name of names) {
    const images = await storage.images(name)
    const blobs = await storage.blobs(
      name,
      images.map((image) => image.digest),
    )
    const own = await storage.policy(name)
    const expiring = images.length === 0 ? [] : await storage.previewExpiry(name, own ?? proposedPolicy)
    result.push({
      name,
      images: images.map((image) => ({
        digest: image.digest,
        tags: image.tags,
        sizeBytes: image.sizeBytes,
        blobs: blobs.get(image.digest) ?? [],
      })),
      expiring,
      policy: own === undefined ? 'proposed' : 'repository',
    })
  }
  return result
}
