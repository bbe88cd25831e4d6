import { userInfo } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import type { DeployDeps } from './deploy.ts'
import type { DeployFlags, DeployOptions } from './options.ts'
import { releaseOrigin } from './origin.ts'
import type { RegistryDeps } from './registry-deps.ts'
import { guardedForCi } from './report/ci-guard.ts'
import type { WaitClock } from './ssm/waiter.ts'

/** The real clock, for the entry points; use cases take a clock so that tests need no real waits. */
export const clock: WaitClock = { now: Date.now, sleep: (ms) => sleep(ms), random: Math.random }

/**
 * The real implementations a deploy or rollback runs with, shared by the CLI and the GitHub Action.
 * The SDK is loaded only once the caller's input is known to be good.
 */
export async function deployDeps(
  region: string,
  json: boolean,
  alarm = false,
): Promise<DeployDeps & RegistryDeps> {
  const [
    { EcrImageRegistry },
    { EcrScanFindings },
    { EcrImageRetention },
    { SdkFleetApi },
    { outcomeLine },
    { LiveLine },
    guarded,
  ] = await Promise.all([
    import('./ecr/images.ts'),
    import('./ecr/scan-findings.ts'),
    import('./ecr/retention.ts'),
    import('./ssm/sdk-fleet-api.ts'),
    import('./report/text.ts'),
    import('./report/live-line.ts'),
    guardedForCi(),
  ])
  const live = new LiveLine(process.stdout, json, guarded)
  // CloudWatch is loaded only for a rollout that watches an alarm.
  const alarms = alarm
    ? (await import('./cloudwatch/sdk-alarms.ts')).SdkAlarmApi.forRegion(region)
    : undefined
  return {
    registry: EcrImageRegistry.forRegion(region),
    scans: EcrScanFindings.forRegion(region),
    retention: EcrImageRetention.forRegion(region),
    note: (text) => process.stderr.write(`${text}\n`),
    ...(alarms === undefined ? {} : { alarms }),
    fleet: SdkFleetApi.forRegion(region),
    clock,
    onOutcome: (outcome, phase) =>
      live.print(`${phase === 'deploy' ? '' : `${phase} `}${outcomeLine(outcome)}`),
  }
}

/**
 * The deploy's options from the CLI's flags or the Action's inputs: the spec file is read and checked, and
 * the origin taken from the run, before any AWS call.
 */
export async function loadDeployOptions(flags: DeployFlags, env: NodeJS.ProcessEnv): Promise<DeployOptions> {
  const [{ parseDeployFlags, parseEnvironment }, { readSpecFile }] = await Promise.all([
    import('./options.ts'),
    import('./spec-file.ts'),
  ])
  parseEnvironment(flags.environment)
  const spec = flags.spec === undefined ? undefined : await readSpecFile(flags.spec)
  return parseDeployFlags(flags, env, releaseOrigin(env, localUser()), spec)
}

/** The local user name, for a release made outside CI. */
export function localUser(): string {
  try {
    return userInfo().username
  } catch {
    return ''
  }
}
