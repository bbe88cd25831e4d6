import { DeployToolError, InternalError, SourceNotFoundError } from '../../shared/errors.ts'
import { type CopyRoute, copyManifest } from './copy-image.ts'
import { decideTag } from './decide.ts'

export type TagOutcome = 'copied' | 'skipped' | 'failed'

export interface TagResult {
  readonly tag: string
  readonly outcome: TagOutcome
  /** The source digest, when it was read. */
  readonly digest?: string
  readonly bytes: number
  readonly error?: DeployToolError
}

/** What a migration tells as it goes; the progress display listens. */
export interface MigrationEvents {
  started(tag: string): void
  bytes(count: number): void
  finished(result: TagResult): void
}

export interface TagsToCopy {
  readonly route: Omit<CopyRoute, 'onBytes'>
  /** `docker.io/acme/web`, for messages. */
  readonly sourceName: string
  readonly tags: readonly string[]
  readonly mutable: boolean
  readonly force: boolean
  readonly jobs: number
  /** The digest ECR holds under a tag (DescribeImages), or undefined. */
  readonly targetDigest: (tag: string) => Promise<string | undefined>
  readonly events: MigrationEvents
}

/**
 * Copies each tag, `jobs` at a time; a failed tag does not stop the others. Each tag is decided before
 * anything is pushed for it, and its manifest is put last, so a tag is either copied whole or not moved.
 */
export async function migrateTags(input: TagsToCopy): Promise<TagResult[]> {
  const results: TagResult[] = []
  const queue = [...input.tags]
  const route: CopyRoute = { ...input.route, onBytes: (count) => input.events.bytes(count) }
  const worker = async (): Promise<void> => {
    for (let tag = queue.shift(); tag !== undefined; tag = queue.shift()) {
      input.events.started(tag)
      const result = await copyTag(input, route, tag)
      results.push(result)
      input.events.finished(result)
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(input.jobs, input.tags.length)) }, worker))
  return results.sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0))
}

async function copyTag(input: TagsToCopy, route: CopyRoute, tag: string): Promise<TagResult> {
  let digest: string | undefined
  try {
    const manifest = await route.source.manifest(route.sourceRepository, tag)
    if (manifest === undefined) throw new SourceNotFoundError(`${input.sourceName}:${tag} does not exist`)
    digest = manifest.digest
    const decision = decideTag({
      tag,
      repository: route.targetRepository,
      sourceDigest: manifest.digest,
      targetDigest: await input.targetDigest(tag),
      mutable: input.mutable,
      force: input.force,
    })
    if (decision.action === 'skip') return { tag, outcome: 'skipped', digest, bytes: 0 }
    if (decision.action === 'refuse')
      return { tag, outcome: 'failed', digest, bytes: 0, error: decision.error }
    const bytes = await copyManifest(route, manifest, tag, `${input.sourceName}:${tag}`)
    return { tag, outcome: 'copied', digest, bytes }
  } catch (error) {
    const typed =
      error instanceof DeployToolError
        ? error
        : new InternalError(`copying ${input.sourceName}:${tag}: ${(error as Error).message}`, {
            cause: error,
          })
    return { tag, outcome: 'failed', ...(digest === undefined ? {} : { digest }), bytes: 0, error: typed }
  }
}
