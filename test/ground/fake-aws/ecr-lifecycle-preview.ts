import type { ImageCatalog } from './ecr-images.ts'
import { validateLifecyclePolicy } from './ecr-lifecycle.ts'
import { paginate } from './pagination.ts'
import {
  AwsError,
  epochSeconds,
  type JsonInput,
  optionalNumber,
  optionalString,
  requiredString,
} from './protocol.ts'
import type { JsonOperations } from './server.ts'

/**
 * ECR's lifecycle policy preview: StartLifecyclePolicyPreview takes a policy text (or the repository's
 * own), and GetLifecyclePolicyPreview answers IN_PROGRESS once, as ECR does while it evaluates, then
 * COMPLETE with the images the policy would expire. Each image is judged by the first rule (by priority)
 * whose tag status selects it, as ECR documents: a rule cannot expire an image a higher-priority rule
 * selects. `imageCountMoreThan` keeps the newest N of its images by push time (ties by digest);
 * `sinceImagePushed` expires its images older than N days.
 */

interface Rule {
  rulePriority: number
  selection: {
    tagStatus: 'tagged' | 'untagged' | 'any'
    tagPrefixList?: string[]
    tagPatternList?: string[]
    countType: 'imageCountMoreThan' | 'sinceImagePushed'
    countNumber: number
  }
}

interface PreviewImage {
  readonly digest: string
  readonly tags: readonly string[]
  readonly pushedAt: number
}

function selects(rule: Rule, image: PreviewImage): boolean {
  const { tagStatus, tagPrefixList, tagPatternList } = rule.selection
  if (tagStatus === 'any') return true
  if (tagStatus === 'untagged') return image.tags.length === 0
  const patterns = (tagPatternList ?? []).map(
    (p) =>
      new RegExp(
        `^${p
          .split('*')
          .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
          .join('.*')}$`,
      ),
  )
  return image.tags.some(
    (tag) =>
      (tagPrefixList ?? []).some((prefix) => tag.startsWith(prefix)) || patterns.some((p) => p.test(tag)),
  )
}

/** The images the policy expires, each with the priority of the rule that expires it. */
export function evaluatePreview(text: string, images: readonly PreviewImage[], now: number) {
  const rules = [...(JSON.parse(text) as { rules: Rule[] }).rules].sort(
    (a, b) => a.rulePriority - b.rulePriority,
  )
  const expired: { image: PreviewImage; priority: number }[] = []
  for (const rule of rules) {
    const mine = images.filter((image) => rules.find((r) => selects(r, image)) === rule)
    const { countType, countNumber } = rule.selection
    const chosen =
      countType === 'sinceImagePushed'
        ? mine.filter((image) => now - image.pushedAt > countNumber * 86_400_000)
        : [...mine]
            .sort((a, b) => b.pushedAt - a.pushedAt || a.digest.localeCompare(b.digest))
            .slice(countNumber)
    for (const image of chosen) expired.push({ image, priority: rule.rulePriority })
  }
  return expired
}

export function lifecyclePreviewOperations(
  catalog: ImageCatalog,
  policyOf: (repository: string) => string | undefined,
  accountId: string,
  now: () => number,
): JsonOperations {
  const previews = new Map<string, { text: string; pendingReads: number }>()
  return {
    StartLifecyclePolicyPreview: async (input: JsonInput) => {
      const name = requiredString(input, 'repositoryName')
      await catalog.requireTags(name)
      const text = optionalString(input, 'lifecyclePolicyText') ?? policyOf(name)
      if (text === undefined)
        throw new AwsError(
          'LifecyclePolicyNotFoundException',
          `Lifecycle policy does not exist for the repository with name '${name}' in the registry with id '${accountId}'`,
        )
      validateLifecyclePolicy(text)
      if ((previews.get(name)?.pendingReads ?? 0) > 0)
        throw new AwsError(
          'LifecyclePolicyPreviewInProgressException',
          `The previous lifecycle policy preview request has not completed for the repository with name '${name}'`,
        )
      previews.set(name, { text, pendingReads: 1 })
      return { registryId: accountId, repositoryName: name, lifecyclePolicyText: text, status: 'IN_PROGRESS' }
    },
    GetLifecyclePolicyPreview: async (input: JsonInput) => {
      const name = requiredString(input, 'repositoryName')
      await catalog.requireTags(name)
      const preview = previews.get(name)
      if (preview === undefined)
        throw new AwsError(
          'LifecyclePolicyPreviewNotFoundException',
          `There is no dry run for the repository with name '${name}' in the registry with id '${accountId}'`,
        )
      const base = { registryId: accountId, repositoryName: name, lifecyclePolicyText: preview.text }
      if (preview.pendingReads > 0) {
        preview.pendingReads -= 1
        return { ...base, status: 'IN_PROGRESS', previewResults: [] }
      }
      const images = [...(await catalog.taggedImages(name)).values()].map((i) => {
        const detail = catalog.detail(name, i.manifest, i.tags)
        return { digest: i.manifest.digest, tags: i.tags, pushedAt: detail.imagePushedAt * 1000 }
      })
      const expired = evaluatePreview(preview.text, images, now())
      const page = paginate(
        expired,
        optionalNumber(input, 'maxResults'),
        optionalString(input, 'nextToken'),
        100,
      )
      return {
        ...base,
        status: 'COMPLETE',
        previewResults: page.items.map(({ image, priority }) => ({
          imageDigest: image.digest,
          ...(image.tags.length > 0 ? { imageTags: image.tags } : {}),
          imagePushedAt: epochSeconds(image.pushedAt),
          action: { type: 'EXPIRE' },
          appliedRulePriority: priority,
        })),
        summary: { expiringImageTotalCount: expired.length },
        ...(page.nextToken === undefined ? {} : { nextToken: page.nextToken }),
      }
    },
  }
}
