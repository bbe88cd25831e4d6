import type { Command } from 'commander'
import { configFileRegion } from '../config-file-region.ts'
import { deployDeps, localUser } from '../deploy-deps.ts'
import { type LockFlags, withLockFlags } from '../lock/lock-options.ts'
import { type FleetFlags, parseReleaseFlags, rolloutOption } from '../options.ts'
import { releaseOrigin } from '../origin.ts'
import type { RolloutFlags } from '../waves.ts'
import { finishReport } from './deploy-report.ts'
import { fleetCommand, type SetExit } from './fleet-command.ts'
import { withRolloutFlags } from './rollout-flags.ts'

/** `ecr-deploy rollback`. */
export function registerRollback(program: Command, setExit: SetExit): void {
  const command = fleetCommand(
    program,
    'rollback',
    'apply an earlier release again (its image and spec) as a new rolling version, the same way as a deploy',
  )
    .option('--environment <name>', 'environment whose release is rolled back')
    .option(
      '--to <version|digest>',
      'release version number or sha256 digest (default: the release the current stable one replaced)',
    )
    .option(
      '--keep-deployed <count>',
      'deployed-<environment>.<service>.<version> tags kept in ECR, which the lifecycle policy never expires (default 10)',
    )
  withRolloutFlags(command)
  withLockFlags(command).action(
    async (
      flags: FleetFlags &
        LockFlags &
        RolloutFlags & {
          environment?: string
          json?: boolean
          to?: string
          keepDeployed?: string
          prepull?: boolean
        },
    ) => {
      const options = {
        ...parseReleaseFlags(
          flags,
          process.env,
          releaseOrigin(process.env, localUser()),
          await configFileRegion(flags.region, process.env),
        ),
        ...rolloutOption(flags),
      }
      const [{ rollbackRelease }, { runLocked }] = await Promise.all([
        import('../rollback.ts'),
        import('../lock/while-locked.ts'),
      ])
      const deps = await deployDeps(options.region, flags.json === true, options.rollout?.alarm !== undefined)
      const report = await runLocked(options, flags, (assertLockHeld) =>
        rollbackRelease({ ...deps, assertLockHeld }, options, flags.to),
      )
      setExit(await finishReport(report, flags.json === true))
    },
  )
}
