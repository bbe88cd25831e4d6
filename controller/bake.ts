import { UsageError } from '../shared/errors.ts'
import type { AlarmApi } from './cloudwatch/alarms.ts'
import type { WaitClock } from './ssm/waiter.ts'

/** How often the alarm is read while a wave bakes: 10 s, well within DescribeAlarms' rate limits. */
export const BAKE_POLL_MS = 10_000

function alarmsFor(alarms: AlarmApi | undefined): AlarmApi {
  if (alarms === undefined) throw new UsageError('--alarm was given but no CloudWatch client was set up')
  return alarms
}

/**
 * Before anything is written: the alarm must exist, and must not be firing already (SSM would stop the
 * first command at once, and the rollout would be aborted for a cause it did not make).
 */
export async function checkAlarmBeforeStart(
  alarms: AlarmApi | undefined,
  alarm: string | undefined,
): Promise<void> {
  if (alarm === undefined) return
  const state = (await alarmsFor(alarms).alarmStates([alarm])).get(alarm)
  if (state === undefined) {
    throw new UsageError(
      `--alarm: CloudWatch has no alarm named "${alarm}" in this region: create it (a composite alarm watches several), or fix the name; nothing was written or sent`,
    )
  }
  if (state === 'ALARM') {
    throw new UsageError(
      `--alarm: "${alarm}" is in ALARM now, before the rollout started; nothing was written or sent: deploy once it is back to OK`,
    )
  }
}

/**
 * Waits `seconds` after a wave, reading the alarm at the start, every {@link BAKE_POLL_MS} and at the end.
 * Returns why the rollout must stop (the alarm fired, or is gone), or undefined to go on. INSUFFICIENT_DATA
 * goes on, as SSM's own guard does.
 */
export async function bake(
  deps: { readonly clock: WaitClock; readonly alarms?: AlarmApi | undefined },
  seconds: number,
  alarm: string | undefined,
): Promise<string | undefined> {
  const end = deps.clock.now() + seconds * 1000
  for (;;) {
    if (alarm !== undefined) {
      const state = (await alarmsFor(deps.alarms).alarmStates([alarm])).get(alarm)
      if (state === 'ALARM') return `alarm ${alarm} is in ALARM`
      if (state === undefined) return `alarm ${alarm} no longer exists, so the rollout cannot be watched`
    }
    const left = end - deps.clock.now()
    if (left <= 0) return undefined
    await deps.clock.sleep(Math.min(left, BAKE_POLL_MS))
  }
}
