import type { Command } from 'commander'
import { guardedForCi } from '../report/ci-guard.ts'
import { type ServiceScopeFlags, serviceScope } from './service-scope.ts'

/** `ecr-deploy history`. */
export function registerHistory(program: Command): void {
  program
    .command('history')
    .description("list a service's releases in an environment, newest first, with state and author")
    .option('--environment <name>', 'environment whose releases are listed')
    .requiredOption('--service <name>', "service name in the agents' configuration")
    .option('--region <region>', 'AWS region (default: AWS_REGION, then the AWS config file)')
    .option('--json', 'print the history as JSON')
    .action(async (flags: ServiceScopeFlags & { json?: boolean }) => {
      const { environment, service, region } = await serviceScope(flags)
      const [{ SdkFleetApi }, { serviceHistory, historyText }, { jsonLine }, guarded] = await Promise.all([
        import('../ssm/sdk-fleet-api.ts'),
        import('../history.ts'),
        import('../report/json-text.ts'),
        guardedForCi(),
      ])
      const history = await serviceHistory(SdkFleetApi.forRegion(region), environment, service)
      process.stdout.write(guarded(`${flags.json ? jsonLine(history) : historyText(history)}\n`))
    })
}
