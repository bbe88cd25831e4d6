import {
  BatchGetImageCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetLifecyclePolicyPreviewCommand,
  type GetLifecyclePolicyPreviewCommandOutput,
  StartLifecyclePolicyPreviewCommand,
} from '@aws-sdk/client-ecr'
import { AwsError, TimeoutError } from '../../shared/errors.ts'
import { awsFailure } from '../aws-errors.ts'
import type { Blob } from '../cost/storage-cost.ts'
import { EcrLifecycleStore, type StoredImage } from './lifecycle-store.ts'
import { manifestBlobs } from './manifest-blobs.ts'

/** What `ecr-deploy cost` reads from ECR, in our words. */
export interface ImageStorage {
  /** Every repository of the registry. */
  repositories(): Promise<string[]>
  images(repository: string): Promise<StoredImage[]>
  /** The blobs each image names (an index: its children's), by image digest. */
  blobs(repository: string, digests: readonly string[]): Promise<Map<string, Blob[]>>
  /** The repository's lifecycle policy text, or undefined when it has none. */
  policy(repository: string): Promise<string | undefined>
  /** The digests ECR's own lifecycle preview of this policy text would expire. */
  previewExpiry(repository: string, policyText: string): Promise<string[]>
}

/** Every manifest media type ECR stores; asked for all, BatchGetImage returns each as it was pushed. */
const MEDIA_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
]
/** BatchGetImage takes at most 100 image ids. */
const BATCH = 100

export interface PreviewWait {
  readonly sleep: (ms: number) => Promise<void>
  readonly now: () => number
  readonly timeoutMs: number
  readonly intervalMs: number
}

/** The one ImageStorage over the SDK. */
export class EcrImageStorage implements ImageStorage {
  readonly #client: ECRClient
  readonly #lifecycle: EcrLifecycleStore
  readonly #wait: PreviewWait

  constructor(client: ECRClient, wait: PreviewWait) {
    this.#client = client
    this.#lifecycle = new EcrLifecycleStore(client)
    this.#wait = wait
  }

  static forRegion(region: string, wait: PreviewWait): EcrImageStorage {
    return new EcrImageStorage(new ECRClient({ region }), wait)
  }

  async repositories(): Promise<string[]> {
    const names: string[] = []
    let token: string | undefined
    do {
      const output = await this.#client
        .send(new DescribeRepositoriesCommand({ maxResults: 1000, ...(token ? { nextToken: token } : {}) }))
        .catch((error: unknown) => {
          throw awsFailure('DescribeRepositories', error)
        })
      for (const repository of output.repositories ?? [])
        if (repository.repositoryName) names.push(repository.repositoryName)
      token = output.nextToken
    } while (token)
    return names
  }

  images(repository: string): Promise<StoredImage[]> {
    return this.#lifecycle.images(repository)
  }

  policy(repository: string): Promise<string | undefined> {
    return this.#lifecycle.current(repository)
  }

  async blobs(repository: string, digests: readonly string[]): Promise<Map<string, Blob[]>> {
    const manifests = await this.#manifests(repository, digests)
    const parsed = new Map([...manifests].map(([d, text]) => [d, manifestBlobs(text, `${repository}@${d}`)]))
    const children = [...parsed.values()].flatMap((m) => (m.kind === 'index' ? m.children : []))
    const childBlobs = new Map<string, readonly Blob[]>()
    for (const [digest, text] of await this.#manifests(repository, [...new Set(children)])) {
      const child = manifestBlobs(text, `${repository}@${digest}`)
      // An index of indexes is not something a registry client pushes; its blobs would go uncounted.
      if (child.kind === 'index')
        throw new AwsError(`${repository}@${digest}: an index inside an index cannot be sized`)
      childBlobs.set(digest, child.blobs)
    }
    const result = new Map<string, Blob[]>()
    for (const [digest, manifest] of parsed) {
      result.set(
        digest,
        manifest.kind === 'image'
          ? [...manifest.blobs]
          : manifest.children.flatMap((child) => [...(childBlobs.get(child) ?? [])]),
      )
    }
    return result
  }

  async #manifests(repository: string, digests: readonly string[]): Promise<Map<string, string>> {
    const texts = new Map<string, string>()
    for (let start = 0; start < digests.length; start += BATCH) {
      const ids = digests.slice(start, start + BATCH).map((imageDigest) => ({ imageDigest }))
      const output = await this.#client
        .send(
          new BatchGetImageCommand({
            repositoryName: repository,
            imageIds: ids,
            acceptedMediaTypes: MEDIA_TYPES,
          }),
        )
        .catch((error: unknown) => {
          throw awsFailure('BatchGetImage', error, repository)
        })
      const failure = output.failures?.[0]
      if (failure)
        throw new AwsError(
          `BatchGetImage (${repository}) failed for ${failure.imageId?.imageDigest ?? '?'}: ${failure.failureCode}: ${failure.failureReason}`,
        )
      for (const image of output.images ?? []) {
        const digest = image.imageId?.imageDigest
        if (digest && image.imageManifest) texts.set(digest, image.imageManifest)
      }
    }
    return texts
  }

  async previewExpiry(repository: string, policyText: string): Promise<string[]> {
    await this.#client
      .send(
        new StartLifecyclePolicyPreviewCommand({
          repositoryName: repository,
          lifecyclePolicyText: policyText,
        }),
      )
      .catch((error: unknown) => {
        throw awsFailure('StartLifecyclePolicyPreview', error, repository)
      })
    const deadline = this.#wait.now() + this.#wait.timeoutMs
    for (;;) {
      const first = await this.#previewPage(repository, undefined)
      if (first.status === 'COMPLETE') return this.#expiring(repository, first)
      if (first.status === 'FAILED' || first.status === 'EXPIRED')
        throw new AwsError(
          `the lifecycle policy preview of ${repository} ended ${first.status}: run ecr-deploy cost again`,
        )
      if (this.#wait.now() >= deadline)
        throw new TimeoutError(
          `the lifecycle policy preview of ${repository} was still ${first.status ?? 'unknown'} after ${this.#wait.timeoutMs / 1000} s`,
        )
      await this.#wait.sleep(this.#wait.intervalMs)
    }
  }

  async #expiring(repository: string, first: GetLifecyclePolicyPreviewCommandOutput): Promise<string[]> {
    const digests: string[] = []
    let page: GetLifecyclePolicyPreviewCommandOutput | undefined = first
    while (page) {
      for (const result of page.previewResults ?? [])
        if (result.action?.type === 'EXPIRE' && result.imageDigest) digests.push(result.imageDigest)
      page = page.nextToken ? await this.#previewPage(repository, page.nextToken) : undefined
    }
    return digests
  }

  #previewPage(
    repository: string,
    token: string | undefined,
  ): Promise<GetLifecyclePolicyPreviewCommandOutput> {
    return this.#client
      .send(
        new GetLifecyclePolicyPreviewCommand({
          repositoryName: repository,
          maxResults: 100,
          ...(token ? { nextToken: token } : {}),
        }),
      )
      .catch((error: unknown) => {
        throw awsFailure('GetLifecyclePolicyPreview', error, repository)
      })
  }
}
