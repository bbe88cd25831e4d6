import type { Command } from 'commander'
import { configFileRegion } from '../config-file-region.ts'
import { resolveRegion } from '../options.ts'

interface CacheFlags {
  readonly prefix: string
  readonly secret: string
  readonly region?: string
}

/** `ecr-deploy setup pull-through-cache`. */
export function registerSetupPullThroughCache(setup: Command): void {
  setup
    .command('pull-through-cache')
    .description(
      'create an ECR pull-through cache rule for Docker Hub, e.g. <account>.dkr.ecr.<region>.amazonaws.com/docker-hub/library/node:24',
    )
    .requiredOption(
      '--secret <name>',
      'Secrets Manager secret ecr-pullthroughcache/<name> holding {"username", "accessToken"} for Docker Hub',
    )
    .option('--prefix <prefix>', 'ECR repository prefix of the cache', 'docker-hub')
    .option('--region <region>', 'AWS region (default: AWS_REGION, then the AWS config file)')
    .action(async (flags: CacheFlags) => {
      const region = resolveRegion(
        flags.region,
        process.env,
        await configFileRegion(flags.region, process.env),
      )
      const [{ createCacheRule }, { SdkSecretStore }, { EcrCacheRuleStore }] = await Promise.all([
        import('../setup/create-cache-rule.ts'),
        import('../secrets/sdk-secret-store.ts'),
        import('../ecr/pull-through-cache-rules.ts'),
      ])
      const lines = await createCacheRule(
        { prefix: flags.prefix, secretName: flags.secret, region },
        { secrets: SdkSecretStore.forRegion(region), rules: EcrCacheRuleStore.forRegion(region) },
      )
      process.stdout.write(`${lines.join('\n')}\n`)
    })
}
