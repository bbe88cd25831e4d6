import { AwsError, epochSeconds } from './protocol.ts'
import type { RegistryContents, StoredManifest } from './registry-contents.ts'

/** An `imageIds[]` entry of DescribeImages and BatchGetImage. */
export interface ImageId {
  imageTag?: string
  imageDigest?: string
}

/** A tagged image: one manifest and every tag that points at it. */
export interface TaggedImage {
  readonly manifest: StoredManifest
  readonly tags: string[]
}

/**
 * ECR's view of a registry's images: tags grouped by digest, image details and the not-found errors in
 * ECR's wording. The registry keeps no push time, so an image's is the moment the fake first saw it.
 */
export class ImageCatalog {
  readonly #firstSeen = new Map<string, number>()

  private readonly contents: RegistryContents
  private readonly accountId: string
  private readonly now: () => number

  constructor(contents: RegistryContents, accountId: string, now: () => number) {
    this.contents = contents
    this.accountId = accountId
    this.now = now
  }

  /** The repository's tags; RepositoryNotFoundException when it does not exist. */
  async requireTags(name: string): Promise<string[]> {
    const tags = await this.contents.tags(name)
    if (tags === undefined) throw this.repositoryNotFound(name)
    return tags
  }

  /** Every tagged image of a repository, by digest. */
  async taggedImages(name: string): Promise<Map<string, TaggedImage>> {
    const images = new Map<string, TaggedImage>()
    for (const tag of await this.requireTags(name)) {
      const manifest = await this.contents.manifest(name, tag)
      if (manifest === undefined) continue
      const entry = images.get(manifest.digest) ?? { manifest, tags: [] }
      entry.tags.push(tag)
      images.set(manifest.digest, entry)
    }
    return images
  }

  /** An `imageDetails[]` entry. */
  detail(name: string, manifest: StoredManifest, tags: string[]) {
    const seen = this.#firstSeen.get(manifest.digest) ?? this.now()
    this.#firstSeen.set(manifest.digest, seen)
    return {
      registryId: this.accountId,
      repositoryName: name,
      imageDigest: manifest.digest,
      ...(tags.length > 0 ? { imageTags: tags } : {}),
      imageSizeInBytes: manifest.sizeInBytes,
      imagePushedAt: epochSeconds(seen),
      imageManifestMediaType: manifest.mediaType,
    }
  }

  repositoryNotFound(name: string): AwsError {
    return new AwsError(
      'RepositoryNotFoundException',
      `The repository with name '${name}' does not exist in the registry with id '${this.accountId}'`,
    )
  }

  imageNotFound(name: string, id: ImageId): AwsError {
    return new AwsError(
      'ImageNotFoundException',
      `The image with imageId {imageDigest:'${id.imageDigest ?? 'null'}', imageTag:'${id.imageTag ?? 'null'}'} does not exist within the repository with name '${name}' in the registry with id '${this.accountId}'`,
    )
  }
}
