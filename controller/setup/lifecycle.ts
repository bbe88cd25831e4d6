import { UsageError } from '../../shared/errors.ts'
import type { StoredImage } from '../ecr/lifecycle-store.ts'

/**
 * ECR lifecycle policy that bounds storage cost: untagged images (left behind when a tag moves) expire after
 * some days, and only the newest tagged images are kept. Pure: `setup lifecycle` puts the JSON text with
 * PutLifecyclePolicy and previews it with {@link previewExpiry} over DescribeImages results.
 */

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
        rulePriority: 2,
        description: `Keep the ${input.keep} most recent images`,
        selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: input.keep },
        action: { type: 'expire' },
      },
    ],
  }
}

/**
 * The images the policy would expire now. ECR lets an image be expired only by the first rule whose tag
 * status selects it, so untagged images are judged by age alone and only tagged ones count towards `keep`.
 */
export function previewExpiry(
  policy: LifecyclePolicy,
  images: readonly StoredImage[],
  now: Date,
): StoredImage[] {
  const expired: StoredImage[] = []
  const untaggedRule = policy.rules.find((rule) => rule.selection.tagStatus === 'untagged')
  const countRule = policy.rules.find((rule) => rule.selection.tagStatus === 'any')
  const untagged = images.filter((image) => image.tags.length === 0)
  const tagged = images.filter((image) => image.tags.length > 0)
  if (untaggedRule) {
    const maxAgeMs = untaggedRule.selection.countNumber * 86_400_000
    expired.push(...untagged.filter((image) => now.getTime() - image.pushedAt.getTime() > maxAgeMs))
  }
  if (countRule) {
    const newestFirst = [...tagged].sort((a, b) => b.pushedAt.getTime() - a.pushedAt.getTime())
    expired.push(...newestFirst.slice(countRule.selection.countNumber))
  }
  return expired
}
