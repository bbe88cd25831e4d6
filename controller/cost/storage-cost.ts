/*
 * What a team's ECR storage costs, against the Docker Hub plan it leaves. Pure: `ecr-deploy cost` reads the
 * images, their blobs and ECR's lifecycle preview, and this decides the figures.
 *
 * ECR stores a blob once per repository however many images share it, and bills what it stores. The sum of
 * `imageSizeInBytes` counts a shared base layer once per image, so it overstates the bill of a repository
 * whose images share layers (most do). Config blobs are stored blobs too and are counted; they are small.
 */

/** One blob (layer or config) a manifest names. */
export interface Blob {
  readonly digest: string
  readonly sizeBytes: number
}

/** One image of a repository: its blobs, those of an index's children included. */
export interface CostImage {
  readonly digest: string
  readonly tags: readonly string[]
  /** ECR's imageSizeInBytes, shown beside the stored figure so the difference can be seen. */
  readonly sizeBytes: number
  readonly blobs: readonly Blob[]
}

export interface CostRepository {
  readonly name: string
  readonly images: readonly CostImage[]
  /** Digests ECR's lifecycle preview says would expire. */
  readonly expiring: readonly string[]
  /** Whose policy the preview ran: the repository's own, or the one `setup lifecycle` would put. */
  readonly policy: 'repository' | 'proposed'
}

export interface CostInput {
  readonly repositories: readonly CostRepository[]
  /** US dollars per GB-month (GB of 2^30 bytes, as AWS bills storage). */
  readonly pricePerGbMonth: number
  readonly dockerhub: { readonly seats: number; readonly pricePerSeat: number }
}

export interface Storage {
  readonly bytes: number
  readonly monthly: number
}

export interface RepositoryCost {
  readonly name: string
  readonly images: number
  readonly sumOfImageSizes: number
  readonly now: Storage
  readonly expire: { readonly images: number; readonly bytes: number; readonly monthly: number }
  readonly after: Storage
  readonly policy: 'repository' | 'proposed'
}

export interface CostReport {
  readonly pricePerGbMonth: number
  readonly repositories: readonly RepositoryCost[]
  readonly total: { readonly now: Storage; readonly after: Storage }
  readonly dockerhub: { readonly seats: number; readonly pricePerSeat: number; readonly monthly: number }
  /** Docker Hub's seats less ECR's storage after the lifecycle policy, per month. */
  readonly monthlySaving: number
}

export const GB = 2 ** 30

/** Bytes of the distinct blobs of these images. */
export function uniqueBytes(images: readonly CostImage[]): number {
  const sizes = new Map<string, number>()
  for (const image of images) for (const blob of image.blobs) sizes.set(blob.digest, blob.sizeBytes)
  let total = 0
  for (const size of sizes.values()) total += size
  return total
}

function storage(bytes: number, price: number): Storage {
  return { bytes, monthly: (bytes / GB) * price }
}

export function repositoryCost(repository: CostRepository, price: number): RepositoryCost {
  const expiring = new Set(repository.expiring)
  const kept = repository.images.filter((image) => !expiring.has(image.digest))
  const now = storage(uniqueBytes(repository.images), price)
  // A blob is freed only when no kept image uses it: the difference, not the expired images' own sizes.
  const after = storage(uniqueBytes(kept), price)
  return {
    name: repository.name,
    images: repository.images.length,
    sumOfImageSizes: repository.images.reduce((sum, image) => sum + image.sizeBytes, 0),
    now,
    expire: { images: repository.images.length - kept.length, ...storage(now.bytes - after.bytes, price) },
    after,
    policy: repository.policy,
  }
}

export function costReport(input: CostInput): CostReport {
  const price = input.pricePerGbMonth
  const repositories = [...input.repositories]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((repository) => repositoryCost(repository, price))
  const sum = (pick: (r: RepositoryCost) => number) => repositories.reduce((total, r) => total + pick(r), 0)
  const total = {
    now: storage(
      sum((r) => r.now.bytes),
      price,
    ),
    after: storage(
      sum((r) => r.after.bytes),
      price,
    ),
  }
  const dockerhubMonthly = input.dockerhub.seats * input.dockerhub.pricePerSeat
  return {
    pricePerGbMonth: price,
    repositories,
    total,
    dockerhub: { ...input.dockerhub, monthly: dockerhubMonthly },
    monthlySaving: dockerhubMonthly - total.after.monthly,
  }
}
