import { UsageError } from '../../shared/errors.ts'
import type { StoredImage } from '../ecr/lifecycle-store.ts'

/**
 * ECR lifecycle policy that bounds storage cost without breaking a rollback. Rule 1 selects the images that
 * carry a `deployed-` tag (the controller tags each stable release, see ecr/retention.ts): ECR evaluates rules
 * from the lowest rulePriority, and an image that matches the tag selection of a rule can never be expired by
 * a rule with a higher priority number, so the rules below cannot touch a deployed image; rule 1 itself only
 * expires beyond {@link DEPLOYED_CEILING} of them, far above what the controller keeps. Then untagged images
 * (left behind when a tag moves) expire after some days, and only the newest tagged images are kept. Pure:
 * `setup lifecycle` puts the JSON text with PutLifecyclePolicy and previews it with {@link previewExpiry}.
 */

/** The tag prefix of deployed images; the controller writes `deployed-<environment>.<service>.<version>`. */
export const DEPLOYED_TAG_PREFIX = 'deployed-'
/**
 * Rule 1's count: the controller keeps --keep-deployed tags per environment and service and removes the
 * older ones itself, so this bound is only a backstop and is never the one that decides.
 */
export const DEPLOYED_CEILING = 1000

export interface LifecycleInput {
  /** Tagged images to keep, newest by push time. */
  readonly keep: number
  /** Days after which untagged images expire. */
  readonly untaggedDays: number
}

export interface LifecycleRule {
  readonly rulePriority: number
  readonly description: string
  readonly selection:
    | {
        readonly tagStatus: 'tagged'
        readonly tagPrefixList: readonly string[]
        readonly countType: 'imageCountMoreThan'
        readonly countNumber: number
      }
    | {
        readonly tagStatus: 'untagged'
        readonly countType: 'sinceImagePushed'
        readonly countUnit: 'days'
        readonly countNumber: number
      }
    | { readonly tagStatus: 'any'; readonly countType: 'imageCountMoreThan'; readonly countNumber: number }
  readonly action: { readonly type: 'expire' }
}

export interface LifecyclePolicy {
  readonly rules: readonly LifecycleRule[]
}

/** What `setup lifecycle` puts without flags, and what `migrate` puts on a repository it creates. */
export const LIFECYCLE_DEFAULTS: LifecycleInput = Object.freeze({ keep: 30, untaggedDays: 7 })

export function lifecyclePolicy(input: LifecycleInput): LifecyclePolicy {
  if (!Number.isInteger(input.keep) || input.keep < 1) {
    throw new UsageError(`--keep must be a whole number of at least 1, found ${input.keep}`)
  }
  if (!Number.isInteger(input.untaggedDays) || input.untaggedDays < 1) {
    throw new UsageError(`--untagged-days must be a whole number of at least 1, found ${input.untaggedDays}`)
  }
  return {
    rules: [
      {
        rulePriority: 1,
        description: `Protect deployed images (${DEPLOYED_TAG_PREFIX}*): lower rules never expire them`,
        selection: {
          tagStatus: 'tagged',
          tagPrefixList: [DEPLOYED_TAG_PREFIX],
          countType: 'imageCountMoreThan',
          countNumber: DEPLOYED_CEILING,
        },
        action: { type: 'expire' },
      },
      {
        rulePriority: 2,
        description: `Expire untagged images ${input.untaggedDays} days after push`,
        selection: {
          tagStatus: 'untagged',
          countType: 'sinceImagePushed',
          countUnit: 'days',
          countNumber: input.untaggedDays,
        },
        action: { type: 'expire' },
      },
      {
        // ECR requires the tagStatus "any" rule to have the highest priority number.
        rulePriority: 3,
        description: `Keep the ${input.keep} most recent images`,
        selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: input.keep },
        action: { type: 'expire' },
      },
    ],
  }
}

/** True when one of the image's tags starts with one of the prefixes (ECR's tagPrefixList match). */
function hasPrefix(image: StoredImage, prefixes: readonly string[]): boolean {
  return prefixes.every((prefix) => image.tags.some((tag) => tag.startsWith(prefix)))
}

/** The images a `tagged` prefix rule of the policy selects, so that no lower rule may expire them. */
export function protectedImages(policy: LifecyclePolicy, images: readonly StoredImage[]): StoredImage[] {
  const prefixes = policy.rules.flatMap((rule) =>
    rule.selection.tagStatus === 'tagged' ? [rule.selection.tagPrefixList] : [],
  )
  return images.filter((image) => prefixes.some((list) => hasPrefix(image, list)))
}

/**
 * The images the policy would expire now. ECR lets an image be expired only by the first rule whose tag
 * selection matches it: deployed images are judged by the protecting rule alone (expired only beyond its
 * count), untagged images by age alone, and the other tagged ones by the count. The count rule still sees
 * the protected images when it counts (ECR identifies them as if they were not protected), so they take
 * places among the newest N without ever being expired by it.
 */
export function previewExpiry(
  policy: LifecyclePolicy,
  images: readonly StoredImage[],
  now: Date,
): StoredImage[] {
  const expired: StoredImage[] = []
  const newestFirst = (list: readonly StoredImage[]) =>
    [...list].sort((a, b) => b.pushedAt.getTime() - a.pushedAt.getTime())
  const kept = new Set(protectedImages(policy, images))
  for (const rule of policy.rules) {
    if (rule.selection.tagStatus !== 'tagged') continue
    const list = rule.selection.tagPrefixList
    expired.push(
      ...newestFirst(images.filter((image) => hasPrefix(image, list))).slice(rule.selection.countNumber),
    )
  }
  const untaggedRule = policy.rules.find((rule) => rule.selection.tagStatus === 'untagged')
  const countRule = policy.rules.find((rule) => rule.selection.tagStatus === 'any')
  const untagged = images.filter((image) => image.tags.length === 0)
  const tagged = images.filter((image) => image.tags.length > 0)
  if (untaggedRule) {
    const maxAgeMs = untaggedRule.selection.countNumber * 86_400_000
    expired.push(...untagged.filter((image) => now.getTime() - image.pushedAt.getTime() > maxAgeMs))
  }
  if (countRule) {
    const beyond = newestFirst(tagged).slice(countRule.selection.countNumber)
    expired.push(...beyond.filter((image) => !kept.has(image)))
  }
  return expired
}
