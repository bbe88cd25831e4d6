import {
  BatchDeleteImageCommand,
  BatchGetImageCommand,
  DescribeImagesCommand,
  ECRClient,
  PutImageCommand,
} from '@aws-sdk/client-ecr'
import { type ImageRef, repositoryUri } from '../../shared/image-ref.ts'
import { awsFailure } from '../aws-errors.ts'

/** Whether instances can pull an image now: ECR's archive storage class must be restored first. */
export type ImageAvailability = 'active' | 'archived' | 'activating' | 'gone'

/** The `deployed-` tags of a repository and what they point at. */
export interface DeployedTag {
  readonly tag: string
  readonly digest: string
}

/** The ECR calls that keep deployed images from expiring, in our words. */
export interface ImageRetention {
  /** The image (pinned to its digest) as ECR holds it now. */
  availability(image: ImageRef): Promise<ImageAvailability>
  /** Adds a tag to the image (pinned to its digest); a tag that already names it is fine. */
  tag(image: ImageRef, tag: string): Promise<void>
  /** The repository's tags that start with the prefix. */
  tagged(image: ImageRef, prefix: string): Promise<DeployedTag[]>
  /**
   * Removes tags. ECR deletes the tag alone when the image has other tags, and the image itself when it was
   * its last tag (BatchDeleteImage).
   */
  untag(image: ImageRef, tags: readonly string[]): Promise<void>
}

const BATCH = 100

export class EcrImageRetention implements ImageRetention {
  readonly #client: ECRClient

  constructor(client: ECRClient) {
    this.#client = client
  }

  static forRegion(region: string): EcrImageRetention {
    return new EcrImageRetention(new ECRClient({ region }))
  }

  async availability(image: ImageRef): Promise<ImageAvailability> {
    const output = await this.#client
      .send(
        new DescribeImagesCommand({
          repositoryName: image.repository,
          registryId: image.accountId,
          imageIds: [{ imageDigest: image.digest }],
        }),
      )
      .catch((error: unknown) => {
        const name = error instanceof Error ? error.name : ''
        if (name === 'ImageNotFoundException' || name === 'RepositoryNotFoundException') return undefined
        throw awsFailure('DescribeImages', error, `${repositoryUri(image)}@${image.digest}`)
      })
    const detail = output?.imageDetails?.[0]
    if (detail === undefined) return 'gone'
    if (detail.imageStatus === 'ARCHIVED') return 'archived'
    if (detail.imageStatus === 'ACTIVATING') return 'activating'
    return 'active'
  }

  async tag(image: ImageRef, tag: string): Promise<void> {
    const where = `${repositoryUri(image)}@${image.digest}`
    const got = await this.#client
      .send(
        new BatchGetImageCommand({
          repositoryName: image.repository,
          registryId: image.accountId,
          imageIds: [{ imageDigest: image.digest }],
          acceptedMediaTypes: [
            'application/vnd.docker.distribution.manifest.v2+json',
            'application/vnd.docker.distribution.manifest.list.v2+json',
            'application/vnd.oci.image.manifest.v1+json',
            'application/vnd.oci.image.index.v1+json',
          ],
        }),
      )
      .catch((error: unknown) => {
        throw awsFailure('BatchGetImage', error, where)
      })
    const found = got.images?.[0]
    if (found?.imageManifest === undefined) {
      const failure = got.failures?.[0]
      throw awsFailure('BatchGetImage', new Error(failure?.failureReason ?? 'no manifest returned'), where)
    }
    await this.#client
      .send(
        new PutImageCommand({
          repositoryName: image.repository,
          registryId: image.accountId,
          imageManifest: found.imageManifest,
          ...(found.imageManifestMediaType === undefined
            ? {}
            : { imageManifestMediaType: found.imageManifestMediaType }),
          imageDigest: image.digest,
          imageTag: tag,
        }),
      )
      .catch((error: unknown) => {
        // The tag already names this very manifest: nothing to do.
        if (error instanceof Error && error.name === 'ImageAlreadyExistsException') return
        throw awsFailure('PutImage', error, `${where} as ${tag}`)
      })
  }

  async tagged(image: ImageRef, prefix: string): Promise<DeployedTag[]> {
    const found: DeployedTag[] = []
    let token: string | undefined
    do {
      const output = await this.#client
        .send(
          new DescribeImagesCommand({
            repositoryName: image.repository,
            registryId: image.accountId,
            filter: { tagStatus: 'TAGGED' },
            maxResults: 1000,
            ...(token ? { nextToken: token } : {}),
          }),
        )
        .catch((error: unknown) => {
          throw awsFailure('DescribeImages', error, repositoryUri(image))
        })
      for (const detail of output.imageDetails ?? []) {
        for (const tag of detail.imageTags ?? []) {
          if (tag.startsWith(prefix)) found.push({ tag, digest: detail.imageDigest ?? '' })
        }
      }
      token = output.nextToken
    } while (token)
    return found
  }

  async untag(image: ImageRef, tags: readonly string[]): Promise<void> {
    for (let start = 0; start < tags.length; start += BATCH) {
      const imageIds = tags.slice(start, start + BATCH).map((imageTag) => ({ imageTag }))
      const output = await this.#client
        .send(
          new BatchDeleteImageCommand({
            repositoryName: image.repository,
            registryId: image.accountId,
            imageIds,
          }),
        )
        .catch((error: unknown) => {
          throw awsFailure('BatchDeleteImage', error, repositoryUri(image))
        })
      // A tag someone removed already is what we wanted; any other failure is reported.
      const failure = output.failures?.find(
        (f) => f.failureCode !== 'ImageNotFound' && f.failureCode !== 'ImageTagDoesNotMatchDigest',
      )
      if (failure !== undefined) {
        throw awsFailure(
          'BatchDeleteImage',
          new Error(
            `${failure.imageId?.imageTag ?? ''}: ${failure.failureCode}: ${failure.failureReason ?? ''}`,
          ),
          repositoryUri(image),
        )
      }
    }
  }
}
