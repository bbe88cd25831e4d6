/**
 * What the controller needs from CloudWatch, in our words: the state of the alarms a rollout watches. The
 * one implementation over the SDK is sdk-alarms.ts, tested against the fake CloudWatch; tests of the
 * rollout take a hand-written fake of this port.
 */

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA'

export interface AlarmApi {
  /**
   * The state of each named alarm, metric or composite (DescribeAlarms by name); a name CloudWatch does not
   * know is missing from the map.
   */
  alarmStates(names: readonly string[]): Promise<ReadonlyMap<string, AlarmState>>
}
