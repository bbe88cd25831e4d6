import { parseResultLine } from '../../shared/agent-contract.ts'
import { isInvocationNotYetKnown, isThrottling } from '../aws-errors.ts'
import type { FleetApi, FullOutput, Invocation } from './fleet-api.ts'
import { type InstanceOutcome, isFinished, outcomeOf } from './outcome.ts'

/** Time and randomness, passed in so that waits and backoff are tested without real delays. */
export interface WaitClock {
  now(): number
  sleep(ms: number): Promise<void>
  random(): number
}

export interface WaitOptions {
  readonly commandIds: readonly string[]
  /** Epoch milliseconds. */
  readonly deadline: number
  readonly stepName: string
  readonly onOutcome?: (outcome: InstanceOutcome) => void
  readonly firstIntervalMs?: number
  readonly maxIntervalMs?: number
}

export interface WaitResult {
  readonly outcomes: readonly InstanceOutcome[]
  /** How many instances SSM targeted, summed over the commands, as it last reported them. */
  readonly targetCount: number
  readonly timedOut: boolean
  /** Instances SSM listed that had not finished by the deadline. */
  readonly unfinished: readonly string[]
  /**
   * Instances SSM counted among a command's targets but never listed by the deadline: right after
   * SendCommand that is normal for a moment; at the end of the wait their result is unknown.
   */
  readonly unlisted: number
  /** Alarms SSM reported in ALARM on a command (AlarmConfiguration): it stopped sending for them. */
  readonly triggeredAlarms?: readonly string[]
}

const TERMINAL = new Set(['Success', 'Failed', 'TimedOut', 'Cancelled'])
const MAX_BACKOFF_MS = 30_000
/** ListCommandInvocations keeps 2,500 characters of output; failures get the full 24,000 from GetCommandInvocation. */
const TAIL_CHARS = 2_000

/**
 * Polls until every command has finished on every instance, or the deadline. One poll round costs one
 * ListCommands per command and one ListCommandInvocations page per 50 instances. Intervals grow from about a
 * second to a few seconds; throttling that outlives the SDK's retries backs off with full jitter. Right after
 * SendCommand, SSM may not know the command or its invocations yet: that is waited out, not an error.
 */
export async function waitForCommands(
  api: FleetApi,
  clock: WaitClock,
  options: WaitOptions,
): Promise<WaitResult> {
  const seen = new Map<string, InstanceOutcome>()
  const unfinished = new Set<string>()
  const targets = new Map<string, number>()
  const listed = new Map<string, Set<string>>()
  const done = new Set<string>()
  const alarms = new Set<string>()
  let interval = options.firstIntervalMs ?? 1_000
  const maxInterval = options.maxIntervalMs ?? 5_000
  let throttled = 0

  while (done.size < options.commandIds.length) {
    try {
      for (const commandId of options.commandIds) {
        if (done.has(commandId)) continue
        const command = await api.getCommand(commandId)
        for (const alarm of command?.triggeredAlarms ?? []) alarms.add(alarm)
        const invocations = await listAll(api, commandId)
        if (command) targets.set(commandId, command.targetCount)
        const listedHere = listed.get(commandId) ?? new Set<string>()
        listed.set(commandId, listedHere)
        for (const invocation of invocations) {
          listedHere.add(invocation.instanceId)
          if (seen.has(invocation.instanceId)) continue
          if (!isFinished(invocation)) {
            unfinished.add(invocation.instanceId)
            continue
          }
          const outcome = await finish(api, commandId, invocation, options.stepName)
          // GetCommandInvocation does not know the invocation yet: read it again next round.
          if (outcome === undefined) {
            unfinished.add(invocation.instanceId)
            continue
          }
          unfinished.delete(invocation.instanceId)
          seen.set(invocation.instanceId, outcome)
          options.onOutcome?.(outcome)
        }
        if (command && TERMINAL.has(command.status)) {
          // SSM may call the command done before it lists every invocation: those are waited for too.
          const finished = invocations.filter(isFinished)
          const allRead = finished.every((invocation) => seen.has(invocation.instanceId))
          if (finished.length >= command.targetCount && allRead) done.add(commandId)
        }
      }
      throttled = 0
    } catch (error) {
      if (!isThrottling(error)) throw error
      throttled += 1
      const ceiling = Math.min(MAX_BACKOFF_MS, interval * 2 ** throttled)
      await clock.sleep(Math.min(Math.max(0, options.deadline - clock.now()), clock.random() * ceiling))
      if (clock.now() >= options.deadline) break
      continue
    }
    if (done.size === options.commandIds.length) break
    const left = options.deadline - clock.now()
    if (left <= 0) break
    await clock.sleep(Math.min(interval, left))
    interval = Math.min(maxInterval, Math.round(interval * 1.5))
  }

  const timedOut = done.size < options.commandIds.length
  const unlisted = [...targets].reduce(
    (sum, [commandId, count]) => sum + Math.max(0, count - (listed.get(commandId)?.size ?? 0)),
    0,
  )
  return {
    outcomes: [...seen.values()],
    targetCount: [...targets.values()].reduce((sum, count) => sum + count, 0),
    timedOut,
    unfinished: [...unfinished],
    unlisted,
    ...(alarms.size === 0 ? {} : { triggeredAlarms: [...alarms] }),
  }
}

async function listAll(api: FleetApi, commandId: string): Promise<Invocation[]> {
  const all: Invocation[] = []
  let token: string | undefined
  do {
    const page = await api.listInvocations(commandId, token)
    all.push(...page.invocations)
    token = page.nextToken
  } while (token)
  return all
}

/**
 * Reads the agent's result line; fetches the full output when the listing cut it, and for every failure.
 * Undefined when GetCommandInvocation does not know the invocation yet (eventual consistency). Throttling
 * goes up to the poll loop, which backs off and reads the instance again. Any other failure to read is
 * never a success: without the output, an SSM Success says only that a script exited 0.
 */
async function finish(
  api: FleetApi,
  commandId: string,
  invocation: Invocation,
  stepName: string,
): Promise<InstanceOutcome | undefined> {
  const listed = parseResultLine(invocation.output)
  const failed = invocation.status !== 'Success'
  if (listed && !failed) return outcomeOf(invocation, listed)
  let full: FullOutput
  try {
    full = await api.getOutput(commandId, invocation.instanceId, stepName)
  } catch (error) {
    if (isThrottling(error)) throw error
    if (isInvocationNotYetKnown(error)) return undefined
    const outcome = outcomeOf(invocation, listed)
    if (failed) return outcome
    const reason = error instanceof Error ? error.message : String(error)
    return {
      ...outcome,
      result: 'failed',
      message: `SSM reports Success but the output could not be read, so the result is unknown: ${reason}`,
    }
  }
  const agent = parseResultLine(full.stdout) ?? listed
  // The listing may have cut the output (status JSON of many services): readers get the whole stdout.
  const outcome = outcomeOf(full.stdout ? { ...invocation, output: full.stdout } : invocation, agent)
  const tail = `${full.stdout}${full.stderr ? `\n${full.stderr}` : ''}`.trim().slice(-TAIL_CHARS)
  return failed && tail ? { ...outcome, outputTail: tail } : outcome
}
