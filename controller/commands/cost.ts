import type { Command } from 'commander'
import { configFileRegion } from '../config-file-region.ts'
import type { CostFlags } from '../cost/flags.ts'
import { resolveRegion } from '../options.ts'

/** `ecr-deploy cost`. */
export function registerCost(program: Command): void {
  program
    .command('cost')
    .description(
      'what ECR storage costs per repository (distinct layers), what the lifecycle policy would expire, and the Docker Hub plan beside it',
    )
    .option('--repository <names...>', 'ECR repositories (default: every repository of the registry)')
    .option('--price-per-gb <dollars>', 'ECR storage price per GB-month', '0.10')
    .option('--dockerhub-seats <count>', 'Docker Hub seats the team pays for', '1')
    .option(
      '--dockerhub-price <dollars>',
      'Docker Hub price per seat per month (Team, annual billing, as of December 2024: $15, was $9)',
      '15',
    )
    .option(
      '--keep <count>',
      'for a repository without a policy: tagged images setup lifecycle would keep',
      '30',
    )
    .option(
      '--untagged-days <days>',
      'for a repository without a policy: days before untagged images expire',
      '7',
    )
    .option('--json', 'print the report as one line of JSON')
    .option('--region <region>', 'AWS region (default: AWS_REGION, then the AWS config file)')
    .action(async (flags: CostFlags) => {
      const region = resolveRegion(
        flags.region,
        process.env,
        await configFileRegion(flags.region, process.env),
      )
      const [
        { parseCostFlags },
        { parseLifecycleFlags },
        { lifecyclePolicy },
        { EcrImageStorage },
        { readCosts },
      ] = await Promise.all([
        import('../cost/flags.ts'),
        import('../setup/flags.ts'),
        import('../setup/lifecycle.ts'),
        import('../ecr/storage-store.ts'),
        import('../cost/read-costs.ts'),
      ])
      const prices = parseCostFlags(flags)
      const proposed = JSON.stringify(lifecyclePolicy(parseLifecycleFlags(flags)))
      const { setTimeout: sleep } = await import('node:timers/promises')
      const storage = EcrImageStorage.forRegion(region, {
        sleep: (ms) => sleep(ms),
        now: Date.now,
        timeoutMs: 300_000,
        intervalMs: 1000,
      })
      const repositories = await readCosts(storage, flags.repository, proposed)
      const { costReport } = await import('../cost/storage-cost.ts')
      const report = costReport({
        repositories,
        pricePerGbMonth: prices.pricePerGb,
        dockerhub: { seats: prices.dockerhubSeats, pricePerSeat: prices.dockerhubPrice },
      })
      if (flags.json) {
        const { jsonLine } = await import('../report/json-text.ts')
        process.stdout.write(`${jsonLine(report)}\n`)
      } else {
        const { costText } = await import('../report/cost-text.ts')
        process.stdout.write(costText(report))
      }
      const summaryFile = process.env.GITHUB_STEP_SUMMARY
      if (process.env.GITHUB_ACTIONS === 'true' && summaryFile) {
        const [{ appendFile }, { costSummary }] = await Promise.all([
          import('node:fs/promises'),
          import('../report/cost-summary.ts'),
        ])
        await appendFile(summaryFile, costSummary(report))
      }
    })
}
