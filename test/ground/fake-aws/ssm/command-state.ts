import type { JsonInput } from '../protocol.ts'

/** Result of one step (plugin) on one instance. */
export interface PluginState {
  readonly name: string
  status: string
  statusDetails: string
  responseCode: number
  startedAt?: number
  endedAt?: number
  stdout: string
  stderr: string
}

/** One instance's copy of a command. */
export interface InvocationState {
  readonly instanceId: string
  readonly instanceName: string
  status: string
  statusDetails: string
  readonly plugins: PluginState[]
}

/** A command as the fake keeps it; `request` is the SendCommand input, echoed in every view. */
export interface CommandState {
  readonly id: string
  readonly request: JsonInput
  readonly documentName: string
  readonly documentVersion: string
  readonly requestedAt: number
  readonly timeoutSeconds: number
  readonly maxConcurrency: string
  readonly maxErrors: string
  status: string
  statusDetails: string
  readonly invocations: InvocationState[]
  readonly abort: AbortController
  /** AlarmConfiguration's one alarm: the command stops once it is in ALARM. */
  readonly alarm?: string
  /** Set when the alarm stopped the command (ListCommands' TriggeredAlarms). */
  triggeredAlarm?: string
  /** Settles when every invocation reached a terminal state. */
  done?: Promise<void>
}

/** Terminal invocation states, by StatusDetails (the field that tells them apart). */
export const TERMINAL_DETAILS = new Set([
  'Success',
  'Failed',
  'Execution Timed Out',
  'Delivery Timed Out',
  'Cancelled',
  'Terminated',
  'Undeliverable',
  'Invalid Platform',
  'Access Denied',
])

/** Invocations that count against MaxErrors: failures and execution timeouts, not delivery timeouts. */
export function isError(invocation: InvocationState): boolean {
  return invocation.statusDetails === 'Failed' || invocation.statusDetails === 'Execution Timed Out'
}

/** Sets an invocation and all its plugins to one state (used when nothing ran). */
export function settleUnrun(invocation: InvocationState, status: string, details: string): void {
  invocation.status = status
  invocation.statusDetails = details
  for (const plugin of invocation.plugins) {
    plugin.status = status
    plugin.statusDetails = details
    plugin.responseCode = -1
  }
}

/**
 * The command's overall status from its invocations, as Run Command aggregates it: Failed or
 * Execution Timed Out once errors exceed MaxErrors; Delivery Timed Out when undelivered ones do;
 * Incomplete (status Success) when something did not succeed but not enough failed to call it Failed.
 * Undeliverable invocations count neither way (four Undeliverable and one Success is Success), but a
 * command whose every invocation is Undeliverable is Failed. Invalid Platform and Access Denied do not
 * count against MaxErrors and make the command Incomplete. Cancelling until a cancel has stopped all.
 */
export function aggregate(command: CommandState, maxErrors: number): { status: string; details: string } {
  const invocations = command.invocations
  if (!invocations.every((i) => TERMINAL_DETAILS.has(i.statusDetails))) {
    if (command.abort.signal.aborted) return { status: 'Cancelling', details: 'Cancelling' }
    const started = invocations.some((i) => i.statusDetails !== 'Pending')
    return started
      ? { status: 'InProgress', details: 'In Progress' }
      : { status: 'Pending', details: 'Pending' }
  }
  const count = (details: string): number => invocations.filter((i) => i.statusDetails === details).length
  if (command.abort.signal.aborted) return { status: 'Cancelled', details: 'Cancelled' }
  const failed = count('Failed')
  const executionTimedOut = count('Execution Timed Out')
  if (failed + executionTimedOut > maxErrors) {
    return failed >= executionTimedOut
      ? { status: 'Failed', details: 'Failed' }
      : { status: 'TimedOut', details: 'Execution Timed Out' }
  }
  if (count('Delivery Timed Out') > maxErrors) return { status: 'TimedOut', details: 'Delivery Timed Out' }
  const counted = invocations.filter((i) => i.statusDetails !== 'Undeliverable')
  if (counted.length === 0 && invocations.length > 0) return { status: 'Failed', details: 'Failed' }
  if (counted.every((i) => i.statusDetails === 'Success')) return { status: 'Success', details: 'Success' }
  return { status: 'Success', details: 'Incomplete' }
}

/** Parses MaxConcurrency/MaxErrors ("10" or "10%") against the number of targets. */
export function limitFor(value: string, targets: number, roundUp: boolean): number {
  if (!value.endsWith('%')) return Number(value)
  const share = (targets * Number(value.slice(0, -1))) / 100
  return roundUp ? Math.max(1, Math.ceil(share)) : Math.floor(share)
}
