import { setTimeout as sleep } from 'node:timers/promises'
import type { DeployDeps } from './deploy.ts'
import { guardedForCi } from './report/ci-guard.ts'
import type { WaitClock } from './ssm/waiter.ts'

/** The real clock, for the entry points; use cases take a clock so that tests need no real waits. */
export const clock: WaitClock = { now: Date.now, sleep: (ms) => sleep(ms), random: Math.random }

/**
 * The real implementations a deploy or rollback runs with, shared by the CLI and the GitHub Action.
 * The SDK is loaded only once the caller's input is known to be good.
 */
export async function deployDeps(region: string, json: boolean): Promise<DeployDeps> {
  const [{ EcrImageRegistry }, { SdkFleetApi }, { outcomeLine }, { LiveLine }, guarded] = await Promise.all([
    import('./ecr/images.ts'),
    import('./ssm/sdk-fleet-api.ts'),
    import('./report/text.ts'),
    import('./report/live-line.ts'),
    guardedForCi(),
  ])
  const live = new LiveLine(process.stdout, json, guarded)
  return {
    registry: EcrImageRegistry.forRegion(region),
    fleet: SdkFleetApi.forRegion(region),
    clock,
    onOutcome: (outcome, phase) =>
      live.print(`${phase === 'rollback' ? 'rollback ' : ''}${outcomeLine(outcome)}`),
  }
}
