import type { Command } from 'commander'
import { UsageError } from '../../shared/errors.ts'
import { configFileRegion } from '../config-file-region.ts'
import { resolveRegion } from '../options.ts'

interface MigrateFlags {
  readonly from: string
  readonly to: string
  readonly tags?: string
  readonly allTags?: boolean
  readonly force?: boolean
  readonly jobs: string
  readonly tagMutability: string
  readonly mountFrom?: string
  readonly region?: string
}

const ECR_REPOSITORY = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/

/** `ecr-deploy migrate`. */
export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description(
      'copy the tags of a repository (Docker Hub or any registry) into ECR, every platform, digests unchanged',
    )
    .requiredOption(
      '--from <repository>',
      'source repository: docker.io/acme/web, acme/web, ghcr.io/acme/web',
    )
    .requiredOption('--to <name>', 'ECR repository, created when missing')
    .option('--tags <pattern>', "tags to copy; * and ? match ('v*')")
    .option('--all-tags', 'copy every tag')
    .option('--force', 'move tags of a mutable repository that name another digest')
    .option('--jobs <count>', 'tags copied at once', '4')
    .option(
      '--tag-mutability <MUTABLE|IMMUTABLE>',
      'tag mutability of a repository migrate creates',
      'MUTABLE',
    )
    .option('--mount-from <name>', 'ECR repository to mount shared layers from instead of uploading them')
    .option('--region <region>', 'AWS region (default: AWS_REGION, then the AWS config file)')
    .action(async (flags: MigrateFlags) => {
      const jobs = Number(flags.jobs)
      if (!Number.isInteger(jobs) || jobs < 1 || jobs > 16) {
        throw new UsageError(`--jobs must be a whole number from 1 to 16, found ${flags.jobs}`)
      }
      if (flags.tagMutability !== 'MUTABLE' && flags.tagMutability !== 'IMMUTABLE') {
        throw new UsageError(`--tag-mutability must be MUTABLE or IMMUTABLE, found ${flags.tagMutability}`)
      }
      for (const [flag, name] of [
        ['--to', flags.to],
        ['--mount-from', flags.mountFrom],
      ] as const) {
        if (name !== undefined && !ECR_REPOSITORY.test(name)) {
          throw new UsageError(
            `${flag} "${name}" is not an ECR repository name (lower case, digits, . _ - and /)`,
          )
        }
      }
      const region = resolveRegion(
        flags.region,
        process.env,
        await configFileRegion(flags.region, process.env),
      )
      const [
        { parseSource },
        { tagSelection },
        { runMigration },
        { SdkEcrRepositories },
        { EcrLifecycleStore },
        { guardedForCi },
      ] = await Promise.all([
        import('../migrate/source.ts'),
        import('../migrate/tag-filter.ts'),
        import('../migrate/run-migration.ts'),
        import('../ecr/repositories.ts'),
        import('../ecr/lifecycle-store.ts'),
        import('../report/ci-guard.ts'),
      ])
      const lifecycle = EcrLifecycleStore.forRegion(region)
      await runMigration(
        {
          from: parseSource(flags.from),
          to: flags.to,
          selection: tagSelection(flags),
          force: flags.force === true,
          jobs,
          mutability: flags.tagMutability,
          ...(flags.mountFrom === undefined ? {} : { mountFrom: flags.mountFrom }),
        },
        {
          ecr: SdkEcrRepositories.forRegion(region),
          putLifecyclePolicy: (repository, text) => lifecycle.put(repository, text),
          env: process.env,
          out: process.stdout,
          guard: await guardedForCi(),
          sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        },
      )
    })
}
