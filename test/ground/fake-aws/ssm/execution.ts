import {
  aggregate,
  type CommandState,
  type InvocationState,
  isError,
  limitFor,
  type PluginState,
  settleUnrun,
} from './command-state.ts'
import type { ParsedDocument } from './documents.ts'
import { type Instances, interpolatesEnvVars } from './instances.ts'
import { environmentFor, type ParameterValue, substitute } from './interpolation.ts'
import { decideStep } from './precondition.ts'
import { runShellScript } from './runner.ts'

/** What running a command needs besides the command itself. */
export interface ExecutionDeps {
  readonly instances: Instances
  readonly region: string
  readonly now: () => number
  /** A CloudWatch alarm's state, undefined when it does not exist. */
  readonly alarmState: (name: string) => string | undefined
  /** How long an offline instance is waited for before its invocation ends Delivery Timed Out. */
  readonly deliveryTimeoutMs: (command: CommandState) => number
}

const DEFAULT_STEP_TIMEOUT_SECONDS = 3600

/** An invocation takes the worst of its plugins' outcomes: [StatusDetails, Status], worst first. */
const INVOCATION_OUTCOMES: readonly (readonly [string, string])[] = [
  ['Cancelled', 'Cancelled'],
  ['Execution Timed Out', 'TimedOut'],
  ['Failed', 'Failed'],
]

/**
 * Runs a command on its targets: at most MaxConcurrency at once; once errors exceed MaxErrors no
 * further invocation starts and the not-started ones end Cancelled/"Terminated" (the documented status
 * for invocations the system cancelled because the parent command exceeded MaxErrors). Running ones finish.
 */
export async function execute(
  command: CommandState,
  document: ParsedDocument,
  params: Record<string, ParameterValue>,
  deps: ExecutionDeps,
): Promise<void> {
  const total = command.invocations.length
  const concurrency = limitFor(command.maxConcurrency, total, true)
  const maxErrors = limitFor(command.maxErrors, total, false)
  const queue = [...command.invocations]
  const update = (): void => {
    const { status, details } = aggregate(command, maxErrors)
    command.status = status
    command.statusDetails = details
  }
  const tooManyErrors = (): boolean => command.invocations.filter(isError).length > maxErrors
  const watch = watchAlarm(command, deps)
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      watch.check()
      if (tooManyErrors()) settleUnrun(next, 'Cancelled', 'Terminated')
      else if (command.abort.signal.aborted) settleUnrun(next, 'Cancelled', 'Cancelled')
      else await runInvocation(command, next, document, params, deps, update)
      update()
    }
  }
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker))
  } finally {
    watch.stop()
  }
  update()
}

/** How often a running command's alarm is read: often enough for tests, never the only check. */
const ALARM_POLL_MS = 50

/**
 * SendCommand's AlarmConfiguration as SSM documents it: while the alarm is in ALARM the command stops, as
 * a CancelCommand does: invocations not started end Cancelled, running ones are cancelled, and the
 * command lists the alarm in TriggeredAlarms. It is read before each invocation starts and while any runs.
 * OK and INSUFFICIENT_DATA go on; an alarm that cannot be read stops the command (IgnorePollAlarmFailure
 * false, the only value the fake takes).
 */
function watchAlarm(command: CommandState, deps: ExecutionDeps): { check(): void; stop(): void } {
  const alarm = command.alarm
  if (alarm === undefined) return { check: () => undefined, stop: () => undefined }
  const check = (): void => {
    if (command.triggeredAlarm !== undefined || command.abort.signal.aborted) return
    const state = deps.alarmState(alarm)
    if (state === 'OK' || state === 'INSUFFICIENT_DATA') return
    command.triggeredAlarm = alarm
    command.abort.abort()
  }
  const timer = setInterval(check, ALARM_POLL_MS)
  return { check, stop: () => clearInterval(timer) }
}

async function runInvocation(
  command: CommandState,
  invocation: InvocationState,
  document: ParsedDocument,
  params: Record<string, ParameterValue>,
  deps: ExecutionDeps,
  update: () => void,
): Promise<void> {
  const instance = deps.instances.get(invocation.instanceId)
  if (instance === undefined) return settleUnrun(invocation, 'Failed', 'Undeliverable')
  if (instance.deliveryFailure !== undefined) {
    return settleUnrun(invocation, 'Failed', instance.deliveryFailure)
  }
  if (!instance.online) {
    invocation.status = 'Delayed'
    invocation.statusDetails = 'Delayed'
    update()
    const signal = command.abort.signal
    if (!(await deps.instances.waitOnline(instance.id, deps.deliveryTimeoutMs(command), signal))) {
      if (signal.aborted) return settleUnrun(invocation, 'Cancelled', 'Cancelled')
      return settleUnrun(invocation, 'TimedOut', 'Delivery Timed Out')
    }
  }
  invocation.status = 'InProgress'
  invocation.statusDetails = 'In Progress'
  update()
  const env = {
    ...(process.env as Record<string, string>),
    ...instance.env,
    ...(interpolatesEnvVars(instance) ? environmentFor(document.parameters, params) : {}),
    AWS_SSM_INSTANCE_ID: instance.id,
    AWS_SSM_REGION_NAME: deps.region,
  }
  for (const [index, step] of document.mainSteps.entries()) {
    const plugin = invocation.plugins[index] as PluginState
    if (command.abort.signal.aborted) {
      plugin.status = 'Cancelled'
      plugin.statusDetails = 'Cancelled'
      continue
    }
    const decision = decideStep(step.name, step.precondition, instance.platform)
    if (!decision.run) {
      // Nothing runs: a skipped step is a Success whose output is the agent's reason.
      const [status, code] = decision.skipped ? ['Success', 0] : ['Failed', 1]
      const at = deps.now()
      Object.assign(plugin, { status, statusDetails: status, responseCode: code, startedAt: at, endedAt: at })
      plugin.stdout = decision.output
      continue
    }
    await runStep(
      plugin,
      step.action,
      substitute(step.inputs, params) as Record<string, unknown>,
      env,
      command,
      deps,
    )
  }
  const [details, status] = INVOCATION_OUTCOMES.find(([d]) =>
    invocation.plugins.some((p) => p.statusDetails === d),
  ) ?? ['Success', 'Success']
  invocation.status = status
  invocation.statusDetails = details
}

async function runStep(
  plugin: PluginState,
  action: string,
  inputs: Record<string, unknown>,
  env: Record<string, string>,
  command: CommandState,
  deps: ExecutionDeps,
): Promise<void> {
  plugin.status = 'InProgress'
  plugin.statusDetails = 'In Progress'
  plugin.startedAt = deps.now()
  if (action !== 'aws:runShellScript') {
    Object.assign(plugin, { status: 'Failed', statusDetails: 'Failed', responseCode: 1, endedAt: deps.now() })
    plugin.stderr = `The fake SSM runs only aws:runShellScript steps, not ${action}.`
    return
  }
  const raw = inputs.runCommand
  const lines = (Array.isArray(raw) ? raw : [raw]).map((line) =>
    typeof line === 'string' ? line : JSON.stringify(line),
  )
  const seconds = Number(inputs.timeoutSeconds ?? DEFAULT_STEP_TIMEOUT_SECONDS)
  const workingDirectory =
    typeof inputs.workingDirectory === 'string' && inputs.workingDirectory !== ''
      ? inputs.workingDirectory
      : undefined
  const result = await runShellScript({
    lines,
    env,
    timeoutMs: seconds * 1000,
    ...(workingDirectory === undefined ? {} : { workingDirectory }),
    signal: command.abort.signal,
    now: deps.now,
  })
  plugin.startedAt = result.startedAt
  plugin.endedAt = result.endedAt
  plugin.stdout = result.stdout
  plugin.stderr = result.stderr
  plugin.responseCode = result.exitCode
  const [status, details] = result.cancelled
    ? ['Cancelled', 'Cancelled']
    : result.timedOut
      ? ['TimedOut', 'Execution Timed Out']
      : result.exitCode === 0
        ? ['Success', 'Success']
        : ['Failed', 'Failed']
  plugin.status = status
  plugin.statusDetails = details
}
