import type { Command } from 'commander'
import { configFileRegion } from '../config-file-region.ts'
import { clock } from '../deploy-deps.ts'
import { type FleetFlags, parseEnvironment, parseFleetFlags } from '../options.ts'
import { guardedForCi } from '../report/ci-guard.ts'
import { fleetCommand, type SetExit } from './fleet-command.ts'

/** `ecr-deploy status`. */
export function registerStatus(program: Command, setExit: SetExit): void {
  fleetCommand(program, 'status', 'the release each instance runs, next to the desired release')
    .option(
      '--environment <name>',
      "environment whose stable release is the desired one (default: the bare-image layout's /ecr-deploy/<service>)",
    )
    .action(async (flags: FleetFlags & { environment?: string; json?: boolean }) => {
      const environment = flags.environment === undefined ? undefined : parseEnvironment(flags.environment)
      const options = parseFleetFlags(flags, process.env, await configFileRegion(flags.region, process.env))
      const [{ SdkFleetApi }, { fleetStatus, statusText }, { statusExitCode }, { jsonLine }, guarded] =
        await Promise.all([
          import('../ssm/sdk-fleet-api.ts'),
          import('../status.ts'),
          import('../report/verdict.ts'),
          import('../report/json-text.ts'),
          guardedForCi(),
        ])
      const status = await fleetStatus(SdkFleetApi.forRegion(options.region), clock, options, environment)
      // Agent status fields come from instances: guarded for the terminal, JSON and the runner alike.
      process.stdout.write(guarded(`${flags.json ? jsonLine(status) : statusText(status)}\n`))
      setExit(statusExitCode(status))
    })
}
