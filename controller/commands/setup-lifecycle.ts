import type { Command } from 'commander'
import { configFileRegion } from '../config-file-region.ts'
import { resolveRegion } from '../options.ts'
import { LIFECYCLE_DEFAULTS } from '../setup/lifecycle.ts'

interface LifecycleFlags {
  readonly repository: string
  readonly keep: string
  readonly untaggedDays: string
  readonly dryRun?: boolean
  readonly region?: string
}

/** `ecr-deploy setup lifecycle`. */
export function registerSetupLifecycle(setup: Command): void {
  setup
    .command('lifecycle')
    .description(
      'put an ECR lifecycle policy that bounds storage cost; show the current one and what would expire',
    )
    .requiredOption('--repository <name>', 'ECR repository')
    .option('--keep <count>', 'tagged images to keep', String(LIFECYCLE_DEFAULTS.keep))
    .option(
      '--untagged-days <days>',
      'days before untagged images expire',
      String(LIFECYCLE_DEFAULTS.untaggedDays),
    )
    .option('--dry-run', 'show what would expire without putting the policy')
    .option('--region <region>', 'AWS region (default: AWS_REGION, then the AWS config file)')
    .action(async (flags: LifecycleFlags) => {
      const region = resolveRegion(
        flags.region,
        process.env,
        await configFileRegion(flags.region, process.env),
      )
      const [
        { parseLifecycleFlags },
        { lifecyclePolicy, previewExpiry, protectedImages },
        { EcrLifecycleStore },
      ] = await Promise.all([
        import('../setup/flags.ts'),
        import('../setup/lifecycle.ts'),
        import('../ecr/lifecycle-store.ts'),
      ])
      const policy = lifecyclePolicy(parseLifecycleFlags(flags))
      const store = EcrLifecycleStore.forRegion(region)
      const current = await store.current(flags.repository)
      process.stdout.write(`current policy: ${current ?? '(none)'}\n`)
      const images = await store.images(flags.repository)
      const kept = protectedImages(policy, images)
      process.stdout.write(`protects ${kept.length} deployed image(s) from every other rule:\n`)
      for (const image of kept) {
        const deployed = image.tags.filter((tag) => tag.startsWith('deployed-'))
        process.stdout.write(`  ${image.digest}  ${deployed.join(',')}\n`)
      }
      const expired = previewExpiry(policy, images, new Date())
      const bytes = expired.reduce((sum, image) => sum + image.sizeBytes, 0)
      process.stdout.write(
        `would expire ${expired.length} image(s), ${(bytes / 1024 / 1024).toFixed(1)} MiB:\n`,
      )
      for (const image of expired) {
        process.stdout.write(
          `  ${image.digest}  ${image.tags.join(',') || '(untagged)'}  pushed ${image.pushedAt.toISOString()}\n`,
        )
      }
      if (flags.dryRun) {
        process.stdout.write('dry run: policy not put\n')
        return
      }
      await store.put(flags.repository, JSON.stringify(policy))
      process.stdout.write(
        `put lifecycle policy on ${flags.repository}: deployed images protected, keep ${policy.rules[2]?.selection.countNumber} images, untagged expire after ${policy.rules[1]?.selection.countNumber} days\n`,
      )
    })
}
