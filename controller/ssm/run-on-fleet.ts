import type { FleetApi } from './fleet-api.ts'
import type { InstanceOutcome } from './outcome.ts'
import { type CommandPlan, commandRequests } from './send-command.ts'
import { type WaitClock, type WaitResult, waitForCommands } from './waiter.ts'

/** One fleet action: what to send, and which step's output holds each instance's answer. */
export interface FleetRun extends CommandPlan {
  readonly stepName: string
  readonly onOutcome?: (outcome: InstanceOutcome) => void
}

export interface FleetRunResult extends WaitResult {
  readonly commandIds: readonly string[]
}

/**
 * Sends a fleet action and waits on it: deploy, rollback, status and the agent install all run this way.
 * SSM does the targeting and the rolling; the wait ends at the plan's timeout, counted from the last send.
 */
export async function runOnFleet(fleet: FleetApi, clock: WaitClock, run: FleetRun): Promise<FleetRunResult> {
  const commandIds: string[] = []
  for (const request of commandRequests(run)) commandIds.push(await fleet.sendCommand(request))
  const result = await waitForCommands(fleet, clock, {
    commandIds,
    deadline: clock.now() + run.timeoutSeconds * 1000,
    stepName: run.stepName,
    ...(run.onOutcome === undefined ? {} : { onOutcome: run.onOutcome }),
  })
  return { commandIds, ...result }
}
