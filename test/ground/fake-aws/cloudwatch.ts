import { randomUUID } from 'node:crypto'
import type { ServerResponse } from 'node:http'
import { paginate } from './pagination.ts'
import {
  AwsError,
  epochSeconds,
  type JsonInput,
  optionalNumber,
  optionalString,
  optionalStringList,
  validation,
} from './protocol.ts'
import type { JsonOperations } from './server.ts'
import { escapeXml, writeXml, writeXmlError } from './sts.ts'

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA'

interface StoredAlarm {
  readonly name: string
  readonly composite: boolean
  state: AlarmState
  reason: string
  updatedAt: number
}

/** Test controls of the fake CloudWatch. */
export interface CloudWatchControls {
  /** Creates the alarm, or sets its state (a composite one with `{ composite: true }`). */
  setAlarm(name: string, state: AlarmState, options?: { composite?: boolean; reason?: string }): void
  /** The alarm's state; undefined when no such alarm exists. */
  alarmState(name: string): AlarmState | undefined
}

const STATES = new Set(['OK', 'ALARM', 'INSUFFICIENT_DATA'])
const TYPES = new Set(['MetricAlarm', 'CompositeAlarm'])

/**
 * CloudWatch's DescribeAlarms over awsJson1_0 (target GraniteServiceVersion20100801), the protocol the SDK
 * and current CLIs pick for it, and over the query protocol that older CLI v2 builds use. Alarms exist only as tests create them; their state is what tests set.
 */
export function createCloudWatch(options: {
  readonly accountId: string
  readonly region: string
  readonly now: () => number
}) {
  const alarms = new Map<string, StoredAlarm>()
  const arn = (name: string) => `arn:aws:cloudwatch:${options.region}:${options.accountId}:alarm:${name}`
  const view = (alarm: StoredAlarm) => ({
    AlarmName: alarm.name,
    AlarmArn: arn(alarm.name),
    ActionsEnabled: true,
    StateValue: alarm.state,
    StateReason: alarm.reason,
    StateUpdatedTimestamp: epochSeconds(alarm.updatedAt),
    ...(alarm.composite
      ? { AlarmRule: 'TRUE', StateTransitionedTimestamp: epochSeconds(alarm.updatedAt) }
      : {
          MetricName: 'HTTPCode_Target_5XX_Count',
          Namespace: 'AWS/ApplicationELB',
          Statistic: 'Sum',
          Period: 60,
          EvaluationPeriods: 1,
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        }),
  })
  const operations: JsonOperations = {
    DescribeAlarms: (input: JsonInput) => {
      const names = optionalStringList(input, 'AlarmNames')
      if (names !== undefined && names.length > 100) {
        throw validation(
          "Value at 'alarmNames' failed to satisfy constraint: Member must have length less than or equal to 100",
        )
      }
      const prefix = optionalString(input, 'AlarmNamePrefix')
      if (names !== undefined && prefix !== undefined) {
        throw new AwsError(
          'InvalidParameterCombination',
          'AlarmNamePrefix and AlarmNames cannot be used together',
        )
      }
      const state = optionalString(input, 'StateValue')
      if (state !== undefined && !STATES.has(state)) {
        throw validation(
          `Value '${state}' at 'stateValue' failed to satisfy enum value set: [INSUFFICIENT_DATA, ALARM, OK]`,
        )
      }
      const types = optionalStringList(input, 'AlarmTypes') ?? ['MetricAlarm']
      if (!types.every((type) => TYPES.has(type))) {
        throw validation(
          "Value at 'alarmTypes' failed to satisfy enum value set: [CompositeAlarm, MetricAlarm]",
        )
      }
      const size = optionalNumber(input, 'MaxRecords')
      if (size !== undefined && (size < 1 || size > 100)) {
        throw validation(
          `Value '${size}' at 'maxRecords' failed to satisfy constraint: Member must have value between 1 and 100`,
        )
      }
      const selected = [...alarms.values()]
        .filter((alarm) => names === undefined || names.includes(alarm.name))
        .filter((alarm) => prefix === undefined || alarm.name.startsWith(prefix))
        .filter((alarm) => state === undefined || alarm.state === state)
        .filter((alarm) => types.includes(alarm.composite ? 'CompositeAlarm' : 'MetricAlarm'))
        .sort((a, b) => a.name.localeCompare(b.name))
      const page = paginate(selected, size, optionalString(input, 'NextToken'), 50)
      return {
        MetricAlarms: page.items.filter((a) => !a.composite).map(view),
        CompositeAlarms: page.items.filter((a) => a.composite).map(view),
        ...(page.nextToken === undefined ? {} : { NextToken: page.nextToken }),
      }
    },
  }
  const controls: CloudWatchControls = {
    setAlarm: (name, state, more = {}) => {
      const existing = alarms.get(name)
      alarms.set(name, {
        name,
        composite: more.composite ?? existing?.composite ?? false,
        state,
        reason: more.reason ?? `set to ${state} by the test`,
        updatedAt: options.now(),
      })
    },
    alarmState: (name) => alarms.get(name)?.state,
  }
  /**
   * The query protocol (form body, XML answer), which AWS CLI v2 builds before 2.15 still speak to
   * CloudWatch: the same operation, its input read from `AlarmNames.member.N` and its answer as XML.
   */
  const query = (params: URLSearchParams, res: ServerResponse): void => {
    const action = params.get('Action') ?? ''
    try {
      if (action !== 'DescribeAlarms') {
        throw new AwsError('InvalidAction', `The fake CloudWatch does not implement ${action}`)
      }
      const list = (key: string) => {
        const values = [...params.entries()].filter(([k]) => k.startsWith(`${key}.member.`)).map(([, v]) => v)
        return values.length === 0 ? {} : { [key]: values }
      }
      const one = (key: string) => (params.has(key) ? { [key]: params.get(key) } : {})
      const input: JsonInput = {
        ...list('AlarmNames'),
        ...list('AlarmTypes'),
        ...one('AlarmNamePrefix'),
        ...one('StateValue'),
        ...one('NextToken'),
        ...(params.has('MaxRecords') ? { MaxRecords: Number(params.get('MaxRecords')) } : {}),
      }
      const answer = operations.DescribeAlarms?.(input) as Record<string, unknown>
      writeXml(
        res,
        200,
        `<DescribeAlarmsResponse xmlns="${NS}"><DescribeAlarmsResult>${xmlMembers(answer)}</DescribeAlarmsResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></DescribeAlarmsResponse>`,
      )
    } catch (error) {
      if (error instanceof AwsError) writeXmlError(res, error)
      else throw error
    }
  }
  return { operations, controls, query }
}

const NS = 'http://monitoring.amazonaws.com/doc/2010-08-01/'

/** A JSON answer as query-protocol XML: lists as `member` elements, `*Timestamp` epoch seconds as ISO. */
function xmlMembers(value: Record<string, unknown>): string {
  return Object.entries(value)
    .map(([key, item]) => {
      if (Array.isArray(item)) {
        const members = item.map((m) =>
          typeof m === 'object' && m !== null
            ? xmlMembers(m as Record<string, unknown>)
            : escapeXml(String(m)),
        )
        return `<${key}>${members.map((m) => `<member>${m}</member>`).join('')}</${key}>`
      }
      if (typeof item === 'object' && item !== null)
        return `<${key}>${xmlMembers(item as Record<string, unknown>)}</${key}>`
      const text =
        key.endsWith('Timestamp') && typeof item === 'number'
          ? new Date(item * 1000).toISOString()
          : String(item)
      return `<${key}>${escapeXml(text)}</${key}>`
    })
    .join('')
}
