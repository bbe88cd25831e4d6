import type { Command } from 'commander'
import { configFileRegion } from '../config-file-region.ts'
import { deployDeps } from '../deploy-deps.ts'
import { type FleetFlags, parseFleetFlags } from '../options.ts'
import { finishReport } from './deploy-report.ts'
import { fleetCommand, type SetExit } from './fleet-command.ts'

/** `ecr-deploy rollback`. */
export function registerRollback(program: Command, setExit: SetExit): void {
  fleetCommand(
    program,
    'rollback',
    'deploy an earlier desired release (Parameter Store history) to the fleet',
  )
    .option(
      '--to <version|digest>',
      'Parameter Store version number or sha256 digest (default: the previous one)',
    )
    .action(async (flags: FleetFlags & { json?: boolean; to?: string }) => {
      const options = parseFleetFlags(flags, process.env, await configFileRegion(flags.region, process.env))
      const { rollbackRelease } = await import('../rollback.ts')
      const report = await rollbackRelease(
        await deployDeps(options.region, flags.json === true),
        options,
        flags.to,
      )
      setExit(await finishReport(report, flags.json === true))
    })
}
