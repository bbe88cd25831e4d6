import {
  DescribeImagesCommand,
  ECRClient,
  GetLifecyclePolicyCommand,
  PutLifecyclePolicyCommand,
} from '@aws-sdk/client-ecr'
import { awsFailure } from '../aws-errors.ts'

/** What DescribeImages tells about one image, in our words. */
export interface StoredImage {
  readonly digest: string
  readonly tags: readonly string[]
  readonly pushedAt: Date
  readonly sizeBytes: number
}

/** ECR lifecycle policies and the image list a preview needs, in our words, for `setup lifecycle`. */
export interface LifecycleStore {
  /** The repository's policy text, or undefined when it has none. */
  current(repository: string): Promise<string | undefined>
  put(repository: string, policyText: string): Promise<void>
  images(repository: string): Promise<StoredImage[]>
}

/** The one LifecycleStore over the SDK. */
export class EcrLifecycleStore implements LifecycleStore {
  readonly #client: ECRClient

  constructor(client: ECRClient) {
    this.#client = client
  }

  static forRegion(region: string): EcrLifecycleStore {
    return new EcrLifecycleStore(new ECRClient({ region }))
  }

  async current(repository: string): Promise<string | undefined> {
    const output = await this.#client
      .send(new GetLifecyclePolicyCommand({ repositoryName: repository }))
      .catch((error: unknown) => {
        if (error instanceof Error && error.name === 'LifecyclePolicyNotFoundException') return undefined
        throw awsFailure('GetLifecyclePolicy', error, repository)
      })
    return output?.lifecyclePolicyText
  }

  async put(repository: string, policyText: string): Promise<void> {
    await this.#client
      .send(new PutLifecyclePolicyCommand({ repositoryName: repository, lifecyclePolicyText: policyText }))
      .catch((error: unknown) => {
        throw awsFailure('PutLifecyclePolicy', error, repository)
      })
  }

  async images(repository: string): Promise<StoredImage[]> {
    const images: StoredImage[] = []
    let token: string | undefined
    do {
      const output = await this.#client
        .send(
          new DescribeImagesCommand({
            repositoryName: repository,
            maxResults: 1000,
            ...(token ? { nextToken: token } : {}),
          }),
        )
        .catch((error: unknown) => {
          throw awsFailure('DescribeImages', error, repository)
        })
      for (const detail of output.imageDetails ?? []) {
        images.push({
          digest: detail.imageDigest ?? '',
          tags: detail.imageTags ?? [],
          pushedAt: detail.imagePushedAt ?? new Date(0),
          sizeBytes: detail.imageSizeInBytes ?? 0,
        })
      }
      token = output.nextToken
    } while (token)
    return images
  }
}
