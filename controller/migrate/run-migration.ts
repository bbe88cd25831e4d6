import { MigrationIncompleteError } from '../../shared/errors.ts'
import type { EcrRepositories, TagMutability } from '../ecr/repositories.ts'
import { HttpRegistry, type HttpRegistryOptions } from '../registry/http-registry.ts'
import type { Registry } from '../registry/registry.ts'
import { LIFECYCLE_DEFAULTS, lifecyclePolicy } from '../setup/lifecycle.ts'
import { migrateTags, type TagResult } from './migrate-tags.ts'
import { MigrationProgress, resultTable } from './progress.ts'
import { PullPacer } from './pull-pacer.ts'
import { type SourceRef, sourceLogin } from './source.ts'
import { selectTags, type TagSelection } from './tag-filter.ts'

/** `migrate`'s options, validated where the flags enter. */
export interface MigrateOptions {
  readonly from: SourceRef
  readonly to: string
  readonly selection: TagSelection
  readonly force: boolean
  readonly jobs: number
  /** Used only when the repository is created; an existing one keeps its own. */
  readonly mutability: TagMutability
  readonly mountFrom?: string
}

export interface MigrateDeps {
  readonly ecr: EcrRepositories
  readonly putLifecyclePolicy: (repository: string, policyText: string) => Promise<void>
  readonly env: NodeJS.ProcessEnv
  readonly out: { write(text: string): unknown; isTTY?: boolean }
  readonly guard: (text: string) => string
  readonly sleep: (ms: number) => Promise<void>
  readonly registry?: (options: HttpRegistryOptions) => Registry
}

/**
 * The policy a repository that migrate creates gets: `setup lifecycle`'s default. When that command
 * writes a policy that keeps deployed digests, this is the one place a new repository takes it from.
 */
export function newRepositoryPolicy(): string {
  return JSON.stringify(lifecyclePolicy(LIFECYCLE_DEFAULTS))
}

/**
 * Copies the selected tags of the source into the ECR repository. The source is read first (its login,
 * its tags), so a wrong password or a missing tag fails before anything in AWS changes.
 */
export async function runMigration(options: MigrateOptions, deps: MigrateDeps): Promise<TagResult[]> {
  const makeRegistry = deps.registry ?? ((o: HttpRegistryOptions) => new HttpRegistry(o))
  const { from } = options
  const progress = new MigrationProgress(deps.out, deps.env, from.name, deps.guard)
  const login = sourceLogin(from, deps.env, (message) => progress.note(message))
  if (login !== undefined) progress.note(`logging in to ${from.host} with ${login.from}`)
  else if (from.host === 'docker.io') {
    progress.note(
      'no Docker Hub login: anonymous pulls are limited to 10 an hour per address; set DOCKERHUB_USERNAME and DOCKERHUB_TOKEN (a read-only access token)',
    )
  }
  const pacer = new PullPacer(deps.sleep, (message) => progress.note(message))
  const source = pacer.paced(
    makeRegistry({
      baseUrl: from.baseUrl,
      host: from.host,
      ...(login === undefined ? {} : { credentials: login.credentials }),
      onRateLimit: (limit) => pacer.observe(limit),
    }),
  )
  const tags = selectTags(await source.tags(from.repository), options.selection, from.name)
  progress.expect(tags.length)

  const repository = await deps.ecr.ensure(options.to, options.mutability)
  if (repository.created) {
    await deps.putLifecyclePolicy(options.to, newRepositoryPolicy())
    progress.note(
      `created ECR repository ${options.to} (${repository.mutability.toLowerCase()} tags, scan on push, lifecycle policy of setup lifecycle)`,
    )
  }
  const ecrLogin = await deps.ecr.login()
  const target = makeRegistry({
    baseUrl: ecrLogin.url,
    host: new URL(ecrLogin.url).host,
    credentials: ecrLogin.credentials,
  })
  const results = await migrateTags({
    route: {
      source,
      sourceRepository: from.repository,
      target,
      targetRepository: options.to,
      ...(options.mountFrom === undefined ? {} : { mountFrom: options.mountFrom }),
    },
    sourceName: from.name,
    tags,
    mutable: repository.mutability === 'MUTABLE',
    force: options.force,
    jobs: options.jobs,
    targetDigest: (tag) => deps.ecr.tagDigest(options.to, tag),
    events: progress,
  })
  progress.end()
  deps.out.write(deps.guard(resultTable(results)))
  const failed = results.filter((result) => result.outcome === 'failed')
  const [only] = failed
  if (failed.length === 1 && only?.error !== undefined) throw only.error
  if (failed.length > 1) {
    const which = failed.map((result) => `${result.tag} (${result.error?.code ?? 'E_INTERNAL'})`).join(', ')
    throw new MigrationIncompleteError(`${failed.length} of ${results.length} tags were not copied: ${which}`)
  }
  return results
}
