import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch'
import { awsFailure } from '../aws-errors.ts'
import type { AlarmApi, AlarmState } from './alarms.ts'

const STATES = new Set<string>(['OK', 'ALARM', 'INSUFFICIENT_DATA'])

/** The one place that speaks to CloudWatch through the SDK; its types stay here. */
export class SdkAlarmApi implements AlarmApi {
  readonly #client: CloudWatchClient

  constructor(client: CloudWatchClient) {
    this.#client = client
  }

  static forRegion(region: string): SdkAlarmApi {
    return new SdkAlarmApi(new CloudWatchClient({ region }))
  }

  async alarmStates(names: readonly string[]): Promise<ReadonlyMap<string, AlarmState>> {
    const states = new Map<string, AlarmState>()
    let token: string | undefined
    do {
      const output = await this.#client
        .send(
          new DescribeAlarmsCommand({
            AlarmNames: [...names],
            AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
            ...(token ? { NextToken: token } : {}),
          }),
        )
        .catch((error: unknown) => {
          throw awsFailure('DescribeAlarms', error, names.join(', '))
        })
      for (const alarm of [...(output.MetricAlarms ?? []), ...(output.CompositeAlarms ?? [])]) {
        const state = alarm.StateValue
        // A state this version does not know is not OK: it is read as the alarm firing.
        if (alarm.AlarmName)
          states.set(alarm.AlarmName, state && STATES.has(state) ? (state as AlarmState) : 'ALARM')
      }
      token = output.NextToken
    } while (token)
    return states
  }
}
