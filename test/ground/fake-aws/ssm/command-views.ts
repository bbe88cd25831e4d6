import { epochSeconds } from '../protocol.ts'
import {
  type CommandState,
  type InvocationState,
  isError,
  type PluginState,
  TERMINAL_DETAILS,
} from './command-state.ts'

/** SSM keeps the first 24,000 chars of stdout and 8,000 of stderr in GetCommandInvocation. */
export const STDOUT_LIMIT = 24000
export const STDERR_LIMIT = 8000
/** Plugin `Output` in ListCommandInvocations Details is capped at 2,500 chars. */
export const PLUGIN_OUTPUT_LIMIT = 2500

/** The wire `Command` shape: the request echoed plus status and counts. */
export function commandView(command: CommandState) {
  const r = command.request
  const invocations = command.invocations
  const count = (test: (i: InvocationState) => boolean): number => invocations.filter(test).length
  return {
    CommandId: command.id,
    DocumentName: command.documentName,
    DocumentVersion: command.documentVersion,
    Comment: r.Comment ?? '',
    ExpiresAfter: epochSeconds(command.requestedAt + (command.timeoutSeconds + 3600) * 1000),
    Parameters: r.Parameters ?? {},
    InstanceIds: r.InstanceIds ?? [],
    Targets: r.Targets ?? [],
    RequestedDateTime: epochSeconds(command.requestedAt),
    Status: command.status,
    StatusDetails: command.statusDetails,
    OutputS3Region: r.OutputS3Region ?? '',
    OutputS3BucketName: r.OutputS3BucketName ?? '',
    OutputS3KeyPrefix: r.OutputS3KeyPrefix ?? '',
    MaxConcurrency: command.maxConcurrency,
    MaxErrors: command.maxErrors,
    TargetCount: invocations.length,
    CompletedCount: count((i) => TERMINAL_DETAILS.has(i.statusDetails)),
    ErrorCount: count(isError),
    DeliveryTimedOutCount: count((i) => i.statusDetails === 'Delivery Timed Out'),
    ServiceRole: r.ServiceRoleArn ?? '',
    NotificationConfig: r.NotificationConfig ?? {
      NotificationArn: '',
      NotificationEvents: [],
      NotificationType: '',
    },
    CloudWatchOutputConfig: r.CloudWatchOutputConfig ?? {
      CloudWatchLogGroupName: '',
      CloudWatchOutputEnabled: false,
    },
    TimeoutSeconds: command.timeoutSeconds,
    ...(command.alarm === undefined
      ? {}
      : { AlarmConfiguration: { IgnorePollAlarmFailure: false, Alarms: [{ Name: command.alarm }] } }),
    ...(command.triggeredAlarm === undefined
      ? {}
      : { TriggeredAlarms: [{ Name: command.triggeredAlarm, State: 'ALARM' }] }),
  }
}

/** One `CommandInvocations[]` entry; plugins only with Details, as the service does. */
export function invocationView(command: CommandState, invocation: InvocationState, details: boolean) {
  const r = command.request
  return {
    CommandId: command.id,
    InstanceId: invocation.instanceId,
    InstanceName: invocation.instanceName,
    Comment: r.Comment ?? '',
    DocumentName: command.documentName,
    DocumentVersion: command.documentVersion,
    RequestedDateTime: epochSeconds(command.requestedAt),
    Status: invocation.status,
    StatusDetails: invocation.statusDetails,
    TraceOutput: '',
    StandardOutputUrl: '',
    StandardErrorUrl: '',
    CommandPlugins: details ? invocation.plugins.map((plugin) => pluginView(plugin)) : [],
    ServiceRole: r.ServiceRoleArn ?? '',
    NotificationConfig: r.NotificationConfig ?? {
      NotificationArn: '',
      NotificationEvents: [],
      NotificationType: '',
    },
    CloudWatchOutputConfig: r.CloudWatchOutputConfig ?? {
      CloudWatchLogGroupName: '',
      CloudWatchOutputEnabled: false,
    },
  }
}

function pluginView(plugin: PluginState) {
  return {
    Name: plugin.name,
    Status: plugin.status,
    StatusDetails: plugin.statusDetails,
    ResponseCode: plugin.responseCode,
    ...(plugin.startedAt === undefined ? {} : { ResponseStartDateTime: epochSeconds(plugin.startedAt) }),
    ...(plugin.endedAt === undefined ? {} : { ResponseFinishDateTime: epochSeconds(plugin.endedAt) }),
    Output: pluginOutput(plugin),
    StandardOutputUrl: '',
    StandardErrorUrl: '',
    OutputS3Region: '',
    OutputS3BucketName: '',
    OutputS3KeyPrefix: '',
  }
}

export const ERROR_BANNER = '\n----------ERROR-------\n'
export const OUTPUT_TRUNCATED = '\n---Output truncated---'
export const ERROR_TRUNCATED = '\n---Error truncated----'

/**
 * SSM Agent's combined output: stdout, then stderr after its error banner, within 2,500 chars. When
 * both do not fit, each stream keeps at least half the room (a short one leaves the rest to the other)
 * and a cut stream ends with the agent's truncation marker, so a long stdout never hides the error.
 */
export function pluginOutput(plugin: PluginState): string {
  const { stdout, stderr } = plugin
  if (stderr === '') return cut(stdout, PLUGIN_OUTPUT_LIMIT, OUTPUT_TRUNCATED)
  const room = PLUGIN_OUTPUT_LIMIT - ERROR_BANNER.length
  if (stdout.length + stderr.length <= room) return `${stdout}${ERROR_BANNER}${stderr}`
  const outRoom = Math.min(stdout.length, Math.max(Math.floor(room / 2), room - stderr.length))
  return `${cut(stdout, outRoom, OUTPUT_TRUNCATED)}${ERROR_BANNER}${cut(stderr, room - outRoom, ERROR_TRUNCATED)}`
}

function cut(text: string, room: number, marker: string): string {
  return text.length <= room ? text : `${text.slice(0, Math.max(0, room - marker.length))}${marker}`
}

/** The GetCommandInvocation answer for one plugin; output stays empty until the invocation ends. */
export function getInvocationView(command: CommandState, invocation: InvocationState, plugin: PluginState) {
  const finished = TERMINAL_DETAILS.has(invocation.statusDetails)
  const iso = (ms: number | undefined): string => (ms === undefined ? '' : new Date(ms).toISOString())
  const elapsed =
    plugin.startedAt === undefined || plugin.endedAt === undefined
      ? ''
      : `PT${((plugin.endedAt - plugin.startedAt) / 1000).toFixed(3)}S`
  return {
    CommandId: command.id,
    InstanceId: invocation.instanceId,
    Comment: command.request.Comment ?? '',
    DocumentName: command.documentName,
    DocumentVersion: command.documentVersion,
    PluginName: plugin.name,
    ResponseCode: plugin.responseCode,
    ExecutionStartDateTime: iso(plugin.startedAt),
    ExecutionElapsedTime: elapsed,
    ExecutionEndDateTime: iso(plugin.endedAt),
    // The plugin asked for reports its own status once it has one; before that, the invocation's
    // (Pending, Delayed, or a delivery failure that settled every plugin).
    ...(plugin.status === 'Pending'
      ? { Status: invocation.status, StatusDetails: invocation.statusDetails }
      : { Status: plugin.status, StatusDetails: plugin.statusDetails }),
    StandardOutputContent: finished ? plugin.stdout.slice(0, STDOUT_LIMIT) : '',
    StandardOutputUrl: '',
    StandardErrorContent: finished ? plugin.stderr.slice(0, STDERR_LIMIT) : '',
    StandardErrorUrl: '',
    CloudWatchOutputConfig: command.request.CloudWatchOutputConfig ?? {
      CloudWatchLogGroupName: '',
      CloudWatchOutputEnabled: false,
    },
  }
}
