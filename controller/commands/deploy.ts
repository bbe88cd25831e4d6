import type { Command } from 'commander'
import { deployDeps, loadDeployOptions } from '../deploy-deps.ts'
import { type LockFlags, withLockFlags } from '../lock/lock-options.ts'
import type { DeployFlags } from '../options.ts'
import { finishReport } from './deploy-report.ts'
import { fleetCommand, type SetExit } from './fleet-command.ts'
import { withRolloutFlags } from './rollout-flags.ts'

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
      '--max-severity <level>',
      'scan gate: refuse the image when its ECR scan has a finding at or above HIGH or CRITICAL',
    )
    .option('--scan-timeout <seconds>', 'scan gate: how long to wait for a scan still running (default 300)')
    .option('--allow-unscanned', 'scan gate: deploy an image that has no usable scan, with a warning')
    .option(
      '--keep-deployed <count>',
      'deployed-<environment>.<service>.<version> tags kept in ECR, which the lifecycle policy never expires (default 10)',
    )
  withRolloutFlags(command)
  withLockFlags(command).action(async (flags: DeployFlags & LockFlags & { json?: boolean }) => {
    const options = await loadDeployOptions(flags, process.env)
    const [{ deployRelease }, { runLocked }] = await Promise.all([
      import('../deploy.ts'),
      import('../lock/while-locked.ts'),
    ])
    const deps = await deployDeps(options.region, flags.json === true, options.rollout?.alarm !== undefined)
    const report = await runLocked(options, flags, (assertLockHeld) =>
      deployRelease({ ...deps, assertLockHeld }, options),
    )
    setExit(await finishReport(report, flags.json === true))
  })
}
