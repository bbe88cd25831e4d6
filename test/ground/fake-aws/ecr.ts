import { ImageCatalog, type ImageId } from './ecr-images.ts'
import { validateLifecyclePolicy } from './ecr-lifecycle.ts'
import { lifecyclePreviewOperations } from './ecr-lifecycle-preview.ts'
import { pullThroughCacheOperations } from './ecr-pull-through-cache.ts'
import { CreatedRepositories } from './ecr-repositories.ts'
import { type ScanAnswer, ScanAnswers } from './ecr-scans.ts'
import { TagChanges } from './ecr-tags.ts'
import { writeOperations } from './ecr-writes.ts'
import { paginate } from './pagination.ts'
import {
  AwsError,
  epochSeconds,
  type JsonInput,
  optionalNumber,
  optionalString,
  optionalStringList,
  requiredString,
} from './protocol.ts'
import type { RegistryContents } from './registry-contents.ts'
import type { JsonOperations } from './server.ts'

/** What the fake ECR needs: where images live and what to hand out as the registry login. */
export interface EcrOptions {
  readonly accountId: string
  readonly region: string
  readonly registryHost: string
  readonly password: string
  readonly contents: RegistryContents
  readonly now: () => number
  /** Whether a Secrets Manager ARN exists, for a pull-through cache rule's credentialArn. */
  readonly secretExists?: (arn: string) => boolean
}

/** Test controls of the fake ECR. */
export interface EcrControls {
  /** The lifecycle policy text stored for a repository, if any. */
  lifecyclePolicy(repository: string): string | undefined
  /** Sets what DescribeImageScanFindings answers for an image; undefined: no scan (ScanNotFoundException). */
  setScan(repository: string, digest: string, answer: ScanAnswer | undefined): void
  /** Moves an image to ECR's archive (ARCHIVED), mid-restore (ACTIVATING) or back (ACTIVE). */
  setImageStatus(repository: string, digest: string, status: 'ACTIVE' | 'ARCHIVED' | 'ACTIVATING'): void
  /** The tag mutability and scan on push CreateRepository set, if it made the repository. */
  repositorySettings(repository: string): { imageTagMutability: string; scanOnPush: boolean } | undefined
}

const TOKEN_LIFETIME_MS = 12 * 60 * 60 * 1000

/** ECR's awsJson1_1 operations, answered from a real (or in-memory) registry's contents. */
export function createEcr(options: EcrOptions): { operations: JsonOperations; controls: EcrControls } {
  const policies = new Map<string, { text: string; at: number }>()
  const created = new CreatedRepositories()
  const { accountId } = options
  const contents = new TagChanges(options.contents)
  const catalog = new ImageCatalog(contents, accountId, options.now)
  const scans = new ScanAnswers(contents, catalog, accountId)
  const statuses = new Map<string, 'ACTIVE' | 'ARCHIVED' | 'ACTIVATING'>()
  const statusOf = (name: string, digest: string) => statuses.get(`${name}@${digest}`) ?? 'ACTIVE'
  const detail = (name: string, manifest: Parameters<ImageCatalog['detail']>[1], tags: string[]) => ({
    ...catalog.detail(name, manifest, tags),
    imageStatus: statusOf(name, manifest.digest),
  })
  const repoNotFound = (name: string): AwsError => catalog.repositoryNotFound(name)
  // A created repository with nothing pushed yet is unknown to the registry, but exists with no images.
  const requireTags = async (name: string): Promise<string[]> =>
    (await contents.tags(name)) ?? (created.get(name) ? [] : catalog.requireTags(name))
  const imageIds = (input: JsonInput): ImageId[] | undefined => {
    const value = input.imageIds
    return Array.isArray(value) ? (value as ImageId[]) : undefined
  }

  const operations: JsonOperations = {
    GetAuthorizationToken: () => ({
      authorizationData: [
        {
          authorizationToken: Buffer.from(`AWS:${options.password}`).toString('base64'),
          expiresAt: epochSeconds(options.now() + TOKEN_LIFETIME_MS),
          proxyEndpoint: `https://${options.registryHost}`,
        },
      ],
    }),
    CreateRepository: async (input) => {
      const name = requiredString(input, 'repositoryName')
      created.create(input, await contents.repositories(), options.now(), accountId)
      return { repository: created.describe(name, options.region, accountId, options.registryHost) }
    },
    DescribeRepositories: async (input) => {
      const all = [...new Set([...(await contents.repositories()), ...created.names()])].sort()
      const wanted = optionalStringList(input, 'repositoryNames')
      for (const name of wanted ?? []) if (!all.includes(name)) throw repoNotFound(name)
      const names = wanted ?? all
      const page = paginate(
        names,
        optionalNumber(input, 'maxResults'),
        optionalString(input, 'nextToken'),
        100,
      )
      return {
        repositories: page.items.map((name) =>
          created.describe(name, options.region, accountId, options.registryHost),
        ),
        ...(page.nextToken === undefined ? {} : { nextToken: page.nextToken }),
      }
    },
    DescribeImages: async (input) => {
      const name = requiredString(input, 'repositoryName')
      const ids = imageIds(input)
      if ((await contents.tags(name)) === undefined && created.get(name)) {
        const first = ids?.[0]
        if (first !== undefined) throw catalog.imageNotFound(name, first)
        return { imageDetails: [] }
      }
      const images = await catalog.taggedImages(name)
      let details: ReturnType<typeof detail>[]
      if (ids === undefined) {
        const filter = input.filter as { tagStatus?: string; imageStatus?: string } | undefined
        // Without an imageStatus filter ECR lists only ACTIVE images.
        const wanted = filter?.imageStatus ?? 'ACTIVE'
        details =
          filter?.tagStatus === 'UNTAGGED'
            ? []
            : [...images.values()]
                .map((i) => detail(name, i.manifest, i.tags))
                .filter((d) => wanted === 'ANY' || d.imageStatus === wanted)
      } else {
        details = []
        for (const id of ids) {
          const manifest = await contents.manifest(name, id.imageDigest ?? id.imageTag ?? '')
          if (
            manifest === undefined ||
            (id.imageTag !== undefined && !images.get(manifest.digest)?.tags.includes(id.imageTag))
          ) {
            throw catalog.imageNotFound(name, id)
          }
          details.push(detail(name, manifest, images.get(manifest.digest)?.tags ?? []))
        }
      }
      const page = paginate(
        details,
        optionalNumber(input, 'maxResults'),
        optionalString(input, 'nextToken'),
        100,
      )
      return {
        imageDetails: page.items,
        ...(page.nextToken === undefined ? {} : { nextToken: page.nextToken }),
      }
    },
    BatchGetImage: async (input) => {
      const name = requiredString(input, 'repositoryName')
      await requireTags(name)
      const images: unknown[] = []
      const failures: unknown[] = []
      for (const id of imageIds(input) ?? []) {
        const reference = id.imageDigest ?? id.imageTag
        if (reference === undefined) {
          failures.push({
            imageId: id,
            failureCode: 'MissingDigestAndTag',
            failureReason: 'Missing digest and tag',
          })
          continue
        }
        const manifest = await contents.manifest(name, reference)
        if (manifest === undefined) {
          failures.push({
            imageId: id,
            failureCode: 'ImageNotFound',
            failureReason: 'Requested image not found',
          })
          continue
        }
        images.push({
          registryId: accountId,
          repositoryName: name,
          imageId: {
            imageDigest: manifest.digest,
            ...(id.imageTag === undefined ? {} : { imageTag: id.imageTag }),
          },
          imageManifest: manifest.body,
          imageManifestMediaType: manifest.mediaType,
        })
      }
      return { images, failures }
    },
    ...writeOperations(contents, catalog, accountId),
    DescribeImageScanFindings: (input) => scans.describe(input),
    PutLifecyclePolicy: async (input) => {
      const name = requiredString(input, 'repositoryName')
      const text = requiredString(input, 'lifecyclePolicyText')
      await requireTags(name)
      validateLifecyclePolicy(text)
      policies.set(name, { text, at: options.now() })
      return { registryId: accountId, repositoryName: name, lifecyclePolicyText: text }
    },
    GetLifecyclePolicy: async (input) => {
      const name = requiredString(input, 'repositoryName')
      await requireTags(name)
      const policy = policies.get(name)
      if (policy === undefined) {
        throw new AwsError(
          'LifecyclePolicyNotFoundException',
          `Lifecycle policy does not exist for the repository with name '${name}' in the registry with id '${accountId}'`,
        )
      }
      return {
        registryId: accountId,
        repositoryName: name,
        lifecyclePolicyText: policy.text,
        lastEvaluatedAt: epochSeconds(policy.at),
      }
    },
    ...lifecyclePreviewOperations(catalog, (name) => policies.get(name)?.text, accountId, options.now),
    ...pullThroughCacheOperations({
      accountId,
      now: options.now,
      secretExists: options.secretExists ?? (() => false),
    }),
  }
  return {
    operations,
    controls: {
      lifecyclePolicy: (repository) => policies.get(repository)?.text,
      setScan: (repository, digest, answer) => scans.set(repository, digest, answer),
      setImageStatus: (repository, digest, status) => statuses.set(`${repository}@${digest}`, status),
      repositorySettings: (repository) => created.get(repository),
    },
  }
}
