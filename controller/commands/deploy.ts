import type { Command } from 'commander'
import { deployDeps } from '../deploy-deps.ts'
import { type DeployFlags, parseDeployFlags } from '../options.ts'
import { finishReport } from './deploy-report.ts'
import { fleetCommand, type SetExit } from './fleet-command.ts'

/** `ecr-deploy deploy`. */
export function registerDeploy(program: Command, setExit: SetExit): void {
  fleetCommand(program, 'deploy', 'resolve the tag to a digest, record the desired release, send it and wait')
    .requiredOption(
      '--image <uri>',
      'ECR image: <account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag> or @sha256:...',
    )
    .option('--rollback-on-failure', 'when an instance fails, put the previous release back everywhere')
    .action(async (flags: DeployFlags & { json?: boolean }) => {
      const options = parseDeployFlags(flags, process.env)
      const { deployRelease } = await import('../deploy.ts')
      const report = await deployRelease(await deployDeps(options.region, flags.json === true), options)
      setExit(await finishReport(report, flags.json === true))
    })
}
