import { DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr'
import { ImageNotFoundError } from '../../shared/errors.ts'
import { type ImageRef, repositoryUri, withDigest } from '../../shared/image-ref.ts'
import { awsFailure } from '../aws-errors.ts'

/** Tag -> digest, in our words. */
export interface ImageRegistry {
  /** The image pinned to its digest; throws ImageNotFoundError when the repository, tag or digest is missing. */
  resolve(ref: ImageRef): Promise<ImageRef>
}

export class EcrImageRegistry implements ImageRegistry {
  readonly #client: ECRClient

  constructor(client: ECRClient) {
    this.#client = client
  }

  static forRegion(region: string): EcrImageRegistry {
    return new EcrImageRegistry(new ECRClient({ region }))
  }

  async resolve(ref: ImageRef): Promise<ImageRef> {
    const imageId = ref.digest ? { imageDigest: ref.digest } : { imageTag: ref.tag ?? 'latest' }
    const wanted = ref.digest ?? `:${ref.tag}`
    const output = await this.#client
      .send(
        new DescribeImagesCommand({
          repositoryName: ref.repository,
          registryId: ref.accountId,
          imageIds: [imageId],
        }),
      )
      .catch((error: unknown) => {
        const name = error instanceof Error ? error.name : ''
        if (name === 'RepositoryNotFoundException') {
          throw new ImageNotFoundError(
            `ECR repository "${ref.repository}" does not exist in account ${ref.accountId} (${ref.region})`,
            {
              cause: error,
            },
          )
        }
        if (name === 'ImageNotFoundException') {
          throw new ImageNotFoundError(
            `${repositoryUri(ref)}${ref.digest ? `@${wanted}` : wanted} is not in ECR: push it first`,
            {
              cause: error,
            },
          )
        }
        throw awsFailure('DescribeImages', error, repositoryUri(ref))
      })
    const digest = output.imageDetails?.[0]?.imageDigest
    if (!digest) throw new ImageNotFoundError(`${repositoryUri(ref)}${wanted} is not in ECR: push it first`)
    return withDigest(ref, digest)
  }
}
