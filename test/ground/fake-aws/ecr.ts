import { ImageCatalog, type ImageId } from './ecr-images.ts'
import { validateLifecyclePolicy } from './ecr-lifecycle.ts'
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
}

/** Test controls of the fake ECR. */
export interface EcrControls {
  /** The lifecycle policy text stored for a repository, if any. */
  lifecyclePolicy(repository: string): string | undefined
}

const TOKEN_LIFETIME_MS = 12 * 60 * 60 * 1000

/** ECR's awsJson1_1 operations, answered from a real (or in-memory) registry's contents. */
export function createEcr(options: EcrOptions): { operations: JsonOperations; controls: EcrControls } {
  const policies = new Map<string, { text: string; at: number }>()
  const { accountId, contents } = options
  const catalog = new ImageCatalog(contents, accountId, options.now)
  const repoNotFound = (name: string): AwsError => catalog.repositoryNotFound(name)
  const requireTags = (name: string): Promise<string[]> => catalog.requireTags(name)
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
    DescribeRepositories: async (input) => {
      const all = await contents.repositories()
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
        repositories: page.items.map((name) => ({
          repositoryArn: `arn:aws:ecr:${options.region}:${accountId}:repository/${name}`,
          registryId: accountId,
          repositoryName: name,
          repositoryUri: `${options.registryHost}/${name}`,
          createdAt: epochSeconds(0),
          imageTagMutability: 'MUTABLE',
        })),
        ...(page.nextToken === undefined ? {} : { nextToken: page.nextToken }),
      }
    },
    DescribeImages: async (input) => {
      const name = requiredString(input, 'repositoryName')
      const images = await catalog.taggedImages(name)
      const ids = imageIds(input)
      let details: ReturnType<ImageCatalog['detail']>[]
      if (ids === undefined) {
        const tagStatus = (input.filter as { tagStatus?: string } | undefined)?.tagStatus ?? 'ANY'
        details =
          tagStatus === 'UNTAGGED'
            ? []
            : [...images.values()].map((i) => catalog.detail(name, i.manifest, i.tags))
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
          details.push(catalog.detail(name, manifest, images.get(manifest.digest)?.tags ?? []))
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
  }
  return { operations, controls: { lifecyclePolicy: (repository) => policies.get(repository)?.text } }
}
