import type { Command } from 'commander'
import { type ServiceScopeFlags, serviceScope } from './service-scope.ts'

/** `ecr-deploy lock status|release`. */
export function registerLock(program: Command): void {
  const lock = program
    .command('lock')
    .description('show or release the lock that keeps deploys of one environment and service apart')
  for (const [name, description] of [
    ['status', 'show who holds the deploy lock, from which run, since when'],
    ['release', 'delete the deploy lock left by a deploy that died (a running deploy goes on without it)'],
  ] as const) {
    lock
      .command(name)
      .description(description)
      .option('--environment <name>', 'environment of the lock')
      .requiredOption('--service <name>', "service name in the agents' configuration")
      .option('--region <region>', 'AWS region (default: AWS_REGION, then the AWS config file)')
      .action(async (flags: ServiceScopeFlags) => {
        const { environment, service, region } = await serviceScope(flags)
        const [{ SdkLockParameterStore }, report] = await Promise.all([
          import('../ssm/sdk-lock-parameter.ts'),
          import('../lock/lock-report.ts'),
        ])
        const store = SdkLockParameterStore.forRegion(region)
        const text = await (name === 'status' ? report.lockStatusText : report.releaseLockText)(
          store,
          environment,
          service,
          Date.now(),
        )
        process.stdout.write(`${text}\n`)
      })
  }
}
