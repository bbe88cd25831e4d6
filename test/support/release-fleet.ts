import type { CommandRequest, Invocation } from '../../controller/ssm/fleet-api.ts'
import type { WaitClock } from '../../controller/ssm/waiter.ts'
import { resultLineText } from '../../shared/agent-contract.ts'
import { type RecordingFleetApi, recordingFleetApi } from './recording-fleet-api.ts'

/**
 * How one instance answers one command: it deployed (or pulled, for `action=pull`), its agent failed and
 * restored (or could not pull), it never finished, or SSM cancelled it (as its alarm guard does) before it
 * ran or while it ran.
 */
export type InstanceAnswer = 'deployed' | 'failed' | 'unfinished' | 'cancelled' | 'cancelled-running'

export interface ReleaseFleet {
  readonly api: RecordingFleetApi
  /** Each parameter's versions as written, oldest first (the test's view of Parameter Store). */
  readonly parameters: Map<string, string[]>
  /** The SendCommand requests, in order. */
  readonly sent: CommandRequest[]
}

/**
 * A {@link RecordingFleetApi} with Parameter Store kept in memory (versions count from 1, the oldest dropped
 * beyond `kept`) and a fleet that answers each command as `answer` says for each instance: a tag target
 * reaches `instances`, explicit ids reach those ids.
 */
export function releaseFleet(
  instances: readonly string[],
  answer: (request: CommandRequest, instanceId: string) => InstanceAnswer,
  options: {
    readonly kept?: number
    readonly firstVersion?: number
    /** The alarms ListCommands reports in ALARM for a command (SSM's AlarmConfiguration guard). */
    readonly triggeredAlarms?: (request: CommandRequest) => readonly string[]
  } = {},
): ReleaseFleet {
  const parameters = new Map<string, string[]>()
  const firstVersions = new Map<string, number>()
  const sent: CommandRequest[] = []
  const kept = options.kept ?? 100
  const versionsOf = (name: string) => {
    const values = parameters.get(name) ?? []
    const first = firstVersions.get(name) ?? options.firstVersion ?? 1
    return values.map((value, i) => ({ value, version: first + i }))
  }
  const invocations = (commandId: string): Invocation[] => {
    const request = sent[Number(commandId.slice(1))] as CommandRequest
    return (request.instanceIds ?? instances).map((instanceId) => {
      const said = answer(request, instanceId)
      if (said === 'unfinished') {
        return { instanceId, status: 'InProgress', statusDetails: 'InProgress', output: '' }
      }
      if (said === 'cancelled') {
        return { instanceId, status: 'Cancelled', statusDetails: 'Cancelled', output: '' }
      }
      if (said === 'cancelled-running') {
        const [startedAt, finishedAt] = [new Date(0), new Date(1000)]
        return {
          instanceId,
          status: 'Cancelled',
          statusDetails: 'Cancelled',
          output: '',
          startedAt,
          finishedAt,
        }
      }
      const ok = said === 'deployed'
      const line =
        request.parameters.action?.[0] === 'pull'
          ? pullLine(ok, instanceId)
          : resultLineText({
              result: ok ? 'deployed' : 'rolled-back',
              digest: ok ? `sha256:${'a'.repeat(64)}` : null,
              previousDigest: null,
              message: ok ? 'deployed' : 'did not become healthy; restored',
              ...(ok ? {} : { code: 'E_HEALTH_FAILED' as const }),
            })
      const exitCode = request.parameters.action?.[0] === 'pull' ? 4 : 5
      return {
        instanceId,
        status: ok ? 'Success' : 'Failed',
        statusDetails: ok ? 'Success' : 'Failed',
        responseCode: ok ? 0 : exitCode,
        output: line,
      }
    })
  }
  const api = recordingFleetApi({
    instancesMatching: async () => [...instances],
    getParameter: async (name) => versionsOf(name).at(-1),
    getParameterVersion: async (name, version) => versionsOf(name).find((v) => v.version === version),
    parameterHistory: async (name) => versionsOf(name),
    putParameter: async (name, value) => {
      const values = parameters.get(name) ?? []
      values.push(value)
      if (values.length > kept) {
        values.shift()
        firstVersions.set(name, (firstVersions.get(name) ?? options.firstVersion ?? 1) + 1)
      }
      parameters.set(name, values)
      return versionsOf(name).at(-1)?.version ?? 0
    },
    sendCommand: async (request) => {
      sent.push(request)
      return `c${sent.length - 1}`
    },
    getCommand: async (commandId) => {
      const all = invocations(commandId)
      const running = all.some((i) => i.status === 'InProgress')
      const failed = all.some((i) => i.status === 'Failed')
      const cancelled = all.some((i) => i.status === 'Cancelled')
      const alarms = options.triggeredAlarms?.(sent[Number(commandId.slice(1))] as CommandRequest) ?? []
      return {
        commandId,
        status: running ? 'InProgress' : failed ? 'Failed' : cancelled ? 'Cancelled' : 'Success',
        ...(alarms.length === 0 ? {} : { triggeredAlarms: alarms }),
        targetCount: all.length,
        completedCount: all.filter((i) => i.status !== 'InProgress').length,
      }
    },
    listInvocations: async (commandId) => ({ invocations: invocations(commandId) }),
    getOutput: async (commandId, instanceId) => ({
      stdout: invocations(commandId).find((i) => i.instanceId === instanceId)?.output ?? '',
      stderr: '',
    }),
  })
  return { api, parameters, sent }
}

/** The agent's `pull` answer; a failed one names the instance, so that a test can find it in the report. */
function pullLine(ok: boolean, instanceId: string): string {
  return resultLineText({
    result: ok ? 'pulled' : 'failed',
    digest: ok ? `sha256:${'a'.repeat(64)}` : null,
    previousDigest: null,
    message: ok
      ? 'pulled; no container was changed'
      : `no space left on device while pulling on ${instanceId}`,
    ...(ok ? {} : { code: 'E_PULL_FAILED' as const }),
  })
}

/** A clock whose sleeps only move time forward. */
export function steppingClock(start = Date.parse('2026-03-01T12:00:00Z')): WaitClock {
  let now = start
  return {
    now: () => now,
    sleep: async (ms) => {
      now += ms
    },
    random: () => 0.5,
  }
}
