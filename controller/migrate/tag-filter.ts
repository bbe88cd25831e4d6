import { SourceNotFoundError, UsageError } from '../../shared/errors.ts'

/** Which source tags to copy: all of them, or those matching a shell-style pattern (`v*`, `1.?`). */
export type TagSelection = { readonly all: true } | { readonly pattern: string }

export function tagSelection(flags: { readonly tags?: string; readonly allTags?: boolean }): TagSelection {
  if (flags.allTags === true && flags.tags !== undefined)
    throw new UsageError('give --tags or --all-tags, not both')
  if (flags.allTags === true) return { all: true }
  if (flags.tags === undefined || flags.tags.trim() === '') {
    throw new UsageError("name the tags to copy: --tags 'v*' (a pattern, * and ? match) or --all-tags")
  }
  return { pattern: flags.tags.trim() }
}

function matcher(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.')
  return new RegExp(`^${escaped}$`)
}

/** The tags selected, sorted; throws when none match, naming the pattern and what the source has. */
export function selectTags(available: readonly string[], selection: TagSelection, source: string): string[] {
  const wanted =
    'all' in selection ? available : available.filter((tag) => matcher(selection.pattern).test(tag))
  if (wanted.length === 0) {
    const which = 'all' in selection ? 'has no tags' : `has no tag matching "${selection.pattern}"`
    const some = available.slice(0, 5).join(', ')
    throw new SourceNotFoundError(
      `${source} ${which}${some === '' ? '' : ` (it has: ${some}${available.length > 5 ? ', ...' : ''})`}`,
    )
  }
  return [...wanted].sort()
}
