import { TagConflictError } from '../../shared/errors.ts'

/** What ECR holds for a tag, and what the repository allows. */
export interface TagState {
  readonly tag: string
  readonly repository: string
  readonly sourceDigest: string
  /** The digest ECR holds under the tag, or undefined when the tag is not there. */
  readonly targetDigest: string | undefined
  readonly mutable: boolean
  readonly force: boolean
}

export type TagDecision =
  | { readonly action: 'copy' }
  | { readonly action: 'skip' }
  | { readonly action: 'refuse'; readonly error: TagConflictError }

/**
 * Whether to copy a tag. Pure: decided before anything is pushed, because ECR refuses a push to an
 * immutable tag even of the digest it already holds, and a moved tag is not ours to move unasked.
 */
export function decideTag(state: TagState): TagDecision {
  if (state.targetDigest === undefined) return { action: 'copy' }
  if (state.targetDigest === state.sourceDigest) return { action: 'skip' }
  const where = `${state.repository}:${state.tag}`
  const both = `ECR holds ${state.targetDigest}, the source has ${state.sourceDigest}`
  if (!state.mutable) {
    return {
      action: 'refuse',
      error: new TagConflictError(
        `${where} is an immutable tag: ${both}; it cannot be moved, even with --force`,
      ),
    }
  }
  if (!state.force) {
    return {
      action: 'refuse',
      error: new TagConflictError(`${where} differs: ${both}; pass --force to move it`),
    }
  }
  return { action: 'copy' }
}
