import { UsageError } from '../../shared/errors.ts'
import { terminalLines } from '../../shared/terminal-text.ts'
import { type FleetFlags, parseFleetFlags } from '../options.ts'
import { outcomeLine } from '../report/text.ts'
import { installExitCode } from '../report/verdict.ts'
import type { FleetApi } from '../ssm/fleet-api.ts'
import { runOnFleet } from '../ssm/run-on-fleet.ts'
import type { WaitClock } from '../ssm/waiter.ts'
import { type ArtefactFlags, installPlanFrom } from './agent-artefact.ts'
import { installCommands } from './install-agents.ts'

const RUN_SHELL_DOCUMENT = 'AWS-RunShellScript'
/** AWS-RunShellScript's plugin (step) name. */
const RUN_SHELL_STEP = 'aws:runShellScript'

/**
 * `ecr-deploy setup agents`: checks the artefact and the configuration here, then sends the install
 * script with SSM's targeting and rate control and reports each instance. Returns the exit code. The
 * fleet is built for the region the flags name, once they are known to be good.
 */
export async function setupAgents(
  flags: FleetFlags & ArtefactFlags & { json?: boolean },
  env: NodeJS.ProcessEnv,
  fleetIn: (region: string) => FleetApi,
  clock: WaitClock,
  print: (line: string) => void,
  fallbackRegion?: string,
): Promise<number> {
  if (flags.document !== undefined) {
    throw new UsageError('--document: setup agents always sends AWS-RunShellScript; leave the flag out')
  }
  const options = parseFleetFlags({ ...flags, service: 'agent' }, env, fallbackRegion)
  const plan = installPlanFrom(flags)
  const result = await runOnFleet(fleetIn(options.region), clock, {
    documentName: RUN_SHELL_DOCUMENT,
    parameters: { commands: installCommands(plan) },
    targeting: options.targeting,
    maxConcurrency: options.maxConcurrency,
    maxErrors: options.maxErrors,
    timeoutSeconds: options.timeoutSeconds,
    comment: options.comment ?? 'ecr-ssm-deploy: install the agent',
    stepName: RUN_SHELL_STEP,
    onOutcome: (outcome) => {
      if (flags.json === true) return
      const said = lastLines(outcome.result === 'failed' ? outcome.outputTail : outcome.output)
      print(outcomeLine(said.length > 0 ? { ...outcome, message: said.at(-1) ?? '' } : outcome))
      if (outcome.result === 'failed') for (const line of said.slice(-15)) print(`    | ${line}`)
    },
  })
  const failed = result.outcomes.filter((o) => o.result === 'failed').length
  const installed = result.outcomes.length - failed
  if (flags.json === true) {
    print(
      JSON.stringify({
        version: plan.version,
        installed,
        failed,
        timedOut: result.timedOut,
        instances: result.outcomes,
      }),
    )
  } else {
    print(`agent ${plan.version}: ${installed} installed, ${failed} failed`)
  }
  return installExitCode(result)
}

/** What the install script said last: its "installed" line, or its error and the digests. */
function lastLines(output: string | undefined): string[] {
  return terminalLines(output ?? '').filter((line) => line.trim() !== '')
}
