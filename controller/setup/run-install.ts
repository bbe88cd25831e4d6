import type { FleetOptions } from '../options.js'
import type { FleetApi } from '../ssm/fleet-api.js'
import type { InstanceOutcome } from '../ssm/outcome.js'
import { commandRequests } from '../ssm/send-command.js'
import { type WaitClock, type WaitResult, waitForCommands } from '../ssm/waiter.js'

export const RUN_SHELL_DOCUMENT = 'AWS-RunShellScript'
/** AWS-RunShellScript's plugin (step) name. */
export const RUN_SHELL_STEP = 'aws:runShellScript'

/** Sends the install lines with SSM's own targeting and rate control, and waits like a deploy does. */
export async function installAgents(
  fleet: FleetApi,
  clock: WaitClock,
  options: FleetOptions,
  commands: readonly string[],
  onOutcome: (outcome: InstanceOutcome) => void,
): Promise<WaitResult> {
  const commandIds: string[] = []
  const requests = commandRequests({
    documentName: RUN_SHELL_DOCUMENT,
    parameters: { commands },
    targeting: options.targeting,
    maxConcurrency: options.maxConcurrency,
    maxErrors: options.maxErrors,
    timeoutSeconds: options.timeoutSeconds,
    comment: options.comment ?? 'ecr-ssm-deploy: install the agent',
  })
  for (const request of requests) commandIds.push(await fleet.sendCommand(request))
  return waitForCommands(fleet, clock, {
    commandIds,
    deadline: clock.now() + options.timeoutSeconds * 1000,
    stepName: RUN_SHELL_STEP,
    onOutcome,
  })
}
