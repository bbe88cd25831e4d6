import type { Command } from 'commander'
import { configFileRegion } from '../config-file-region.ts'
import { clock } from '../deploy-deps.ts'
import type { FleetFlags } from '../options.ts'
import { guardedForCi } from '../report/ci-guard.ts'
import type { ArtefactFlags } from '../setup/agent-artefact.ts'
import { fleetCommand, type SetExit } from './fleet-command.ts'

/** `ecr-deploy setup agents`. */
export function registerSetupAgents(setup: Command, setExit: SetExit): void {
  fleetCommand(
    setup,
    'agents',
    'install or upgrade the agent on instances through SSM itself (AWS-RunShellScript)',
    false,
  )
    .option('--agent-version <version>', "agent version to install (default: this controller's)")
    .option(
      '--artefacts <dir>',
      'folder with SHA256SUMS and the tarballs (npm run build:agent writes dist/release)',
    )
    .option('--sha256sums <file>', "the release's SHA256SUMS, when the tarballs are not on this machine")
    .option(
      '--url-base <url>',
      'where the instances download <tarball name> from (default: the GitHub release)',
    )
    .option('--url-x64 <url>', 'the linux-x64 tarball URL itself (e.g. an S3 presigned URL)')
    .option('--url-arm64 <url>', 'the linux-arm64 tarball URL itself')
    .option('--config <file>', 'configuration written where an instance has none (default: a starter file)')
    .option(
      '--replace-config',
      "replace an instance's existing configuration with --config, once its agent has checked it",
    )
    .option('--restart-proxy', 'restart the blue-green proxy too (drops its established connections)')
    .action(async (flags: FleetFlags & ArtefactFlags & { json?: boolean }) => {
      const [{ setupAgents }, { SdkFleetApi }, guarded] = await Promise.all([
        import('../setup/setup-agents.ts'),
        import('../ssm/sdk-fleet-api.ts'),
        guardedForCi(),
      ])
      const print = (line: string) => process.stdout.write(guarded(`${line}\n`))
      const fallbackRegion = await configFileRegion(flags.region, process.env)
      setExit(await setupAgents(flags, process.env, SdkFleetApi.forRegion, clock, print, fallbackRegion))
    })
}
