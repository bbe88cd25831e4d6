import type { Command } from 'commander'
import { deployDeps, loadDeployOptions } from '../deploy-deps.js'
import { type LockFlags, withLockFlags } from '../lock/lock-options.js'
import type { DeployFlags } from '../options.js'
import { finishReport } from './deploy-report.js'
import { fleetCommand, type SetExit } from './fleet-command.js'

/** `ecr-deploy deploy`. */
export function registerDeploy(program: Command, setExit: SetExit): void {
  const command = fleetCommand(
    program,
    'deploy',
    'resolve the tag to a digest, record the release as rolling, send it, wait, mark it stable or aborted',
  )
    .option(
      '--environment <name>',
      'environment whose release is written: /ecr-deploy/<environment>/<service>',
    )
    .requiredOption(
      '--image <uri>',
      'ECR image: <account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag> or @sha256:...',
    )
    .option(
      '--spec <file>',
      "the service's spec for this release, YAML or JSON (default: the stable release's spec)",
    )
    .option(
      '--no-prepull',
      'do not have every target pull the image before the first instance switches (each then pulls as it switches)',
    )
  withLockFlags(command).action(async (flags: DeployFlags & LockFlags & { json?: boolean }) => {
    const options = await loadDeployOptions(flags, process.env)
    const [{ deployRelease }, { runLocked }] = await Promise.all([
      import('../deploy.js'),
      import('../lock/while-locked.js'),
    ])
    const deps = await deployDeps(options.region, flags.json === true)
    const report = await runLocked(options, flags, () => deployRelease(deps, options))
    setExit(await finishReport(report, flags.json === true))
  })
}
