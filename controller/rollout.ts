import { LockLostError } from '../shared/errors.ts'
import type { DesiredRelease, ReleaseVersion } from '../shared/release.ts'
import { releaseSelectorText, withState } from '../shared/release.ts'
import { bake, checkAlarmBeforeStart } from './bake.ts'
import type { AlarmApi } from './cloudwatch/alarms.ts'
import type { ImageRegistry } from './ecr/images.ts'
import type { FleetOptions } from './options.ts'
import { type PrepullOptions, prepullFleet } from './prepull.ts'
import { writeRelease } from './release-store.ts'
import type { DeployReport, PhaseReport, RolloutAbort } from './report/fleet-report.ts'
import { DEPLOY_STEP_NAME } from './ssm/document.ts'
import type { FleetApi } from './ssm/fleet-api.ts'
import type { InstanceOutcome } from './ssm/outcome.ts'
import { runOnFleet } from './ssm/run-on-fleet.ts'
import type { Targeting } from './ssm/send-command.ts'
import type { WaitClock } from './ssm/waiter.ts'
import { failuresAllowed, planWaves, type RolloutOptions } from './waves.ts'

export interface DeployDeps {
  readonly registry: ImageRegistry
  readonly fleet: FleetApi
  readonly clock: WaitClock
  /** Needed only with --alarm. */
  readonly alarms?: AlarmApi
  readonly onOutcome?: (outcome: InstanceOutcome, phase: 'pull' | 'deploy' | 'rollback') => void
  /**
   * Throws LockLostError once the deploy lock is no longer this run's (lock/while-locked.ts): asked before
   * each wave and before the release is marked.
   */
  readonly assertLockHeld?: () => void
}

/** A deploy's or rollback's options; `rollout` absent is one command under SSM's rate control. */
export type RolloutFleetOptions = PrepullOptions & { readonly rollout?: RolloutOptions }

/*
 * A deploy and a rollback are the same act: write the release as a `rolling` version, send that version to
 * the targets under SSM's rate control (in waves when asked: one command per wave, baked and checked
 * between them), then write the outcome as the next version: `stable`, or `aborted` with the stable
 * release sent back to exactly the instances that took the new one in any wave. Agents converge on their
 * own only to a stable release, so nothing here can be outrun by the desired-state job.
 */

/**
 * Why a wave stops the rollout: SSM stopped it for the alarm, the wait ended first, it reached nobody, or
 * more instances failed than `allowed` (undefined: any failure, the rule of a rollout without waves).
 */
export function waveAbort(
  phase: PhaseReport,
  allowed: number | undefined,
  wave: string,
): RolloutAbort | undefined {
  const [alarm] = phase.triggeredAlarms ?? []
  if (alarm !== undefined) {
    return {
      cause: 'alarm',
      message: `alarm ${alarm} went into ALARM during ${wave}, and SSM stopped the command`,
    }
  }
  if (phase.timedOut) {
    return {
      cause: 'timeout',
      message: `${wave}: ${phase.unfinished.length} instance(s) had not finished when the wait ended`,
    }
  }
  if (phase.outcomes.length === 0) return { cause: 'unreached', message: `${wave} reached no instance` }
  const failed = phase.outcomes.filter((o) => o.result === 'failed')
  if (failed.length > (allowed ?? 0)) {
    const names = failed.map((o) => o.instanceId).join(', ')
    const tolerated = allowed === undefined ? '' : ` (--max-errors allows ${allowed} in this wave)`
    return {
      cause: 'failures',
      message: `${wave}: ${failed.length} instance(s) failed${tolerated}: ${names}`,
    }
  }
  return undefined
}

/**
 * The instances that may run the new release: those that succeeded, those still unfinished when the wait
 * ended (SSM goes on with them), and those SSM cancelled once their step had started (the alarm stopped the
 * command: the agent's daemon may still finish the deploy). An instance that failed was restored by its
 * own agent; one SSM cancelled before it started never ran it.
 */
function tookIt(phases: readonly PhaseReport[]): string[] {
  const cancelledRunning = (o: InstanceOutcome) =>
    o.ssmStatus.startsWith('Cancelled') && o.durationMs !== undefined
  const ok = phases.flatMap((p) =>
    p.outcomes.filter((o) => o.result !== 'failed' || cancelledRunning(o)).map((o) => o.instanceId),
  )
  return [...new Set([...ok, ...phases.flatMap((p) => p.unfinished)])]
}

/** Every wave as one phase, for the reports that count instances. */
function together(phases: readonly PhaseReport[], image: string, release: string): PhaseReport {
  const alarms = [...new Set(phases.flatMap((p) => p.triggeredAlarms ?? []))]
  return {
    image,
    release,
    commandIds: phases.flatMap((p) => p.commandIds),
    outcomes: phases.flatMap((p) => p.outcomes),
    targetCount: phases.reduce((sum, p) => sum + p.targetCount, 0),
    timedOut: phases.some((p) => p.timedOut),
    unfinished: phases.flatMap((p) => p.unfinished),
    unlisted: phases.reduce((sum, p) => sum + p.unlisted, 0),
    ...(alarms.length === 0 ? {} : { triggeredAlarms: alarms }),
  }
}

/** The waves' targets: explicit ids as given, or the managed instances SSM's tag targets would select. */
async function waveTargets(deps: DeployDeps, options: RolloutFleetOptions, rollout: RolloutOptions) {
  if (rollout.waves.length === 0) return [options.targeting]
  const ids =
    options.targeting.kind === 'instances'
      ? options.targeting.instanceIds
      : await deps.fleet.instancesMatching(options.targeting.targets)
  const waves = planWaves(ids, rollout.waves)
  // Nothing matched: one command to the targets as given, so that the report says SSM reached nobody.
  if (waves.length === 0) return [options.targeting]
  return waves.map((instanceIds): Targeting => ({ kind: 'instances', instanceIds }))
}

export async function rollOut(
  deps: DeployDeps,
  options: RolloutFleetOptions,
  release: DesiredRelease,
  stable: ReleaseVersion | undefined,
): Promise<DeployReport> {
  const rollout = options.rollout ?? { waves: [], bakeSeconds: 0 }
  const waved = rollout.waves.length > 0
  await checkAlarmBeforeStart(deps.alarms, rollout.alarm)
  const targets = await waveTargets(deps, options, rollout)
  const rolling = await writeRelease(deps.fleet, release)
  const pulled = await prepullFleet(deps, options, release, rolling)
  if (pulled.stopped) return pulled.stopped
  const phases: PhaseReport[] = []
  let abort: RolloutAbort | undefined
  try {
    for (const [index, targeting] of targets.entries()) {
      // Another run may hold the lock now: it must not meet this one's next wave on the same instances.
      deps.assertLockHeld?.()
      const wave = waved ? `wave ${index + 1} of ${targets.length}` : 'the deploy'
      const phase = await runPhase(
        deps,
        options,
        targeting,
        release,
        rolling.selector,
        'deploy',
        rollout.alarm,
      )
      phases.push(phase)
      const size = targeting.kind === 'instances' ? targeting.instanceIds.length : phase.outcomes.length
      abort = waveAbort(phase, waved ? failuresAllowed(options.maxErrors, size) : undefined, wave)
      if (abort !== undefined) break
      // Between waves, and after the last one before it is marked stable: bake, then decide.
      const seconds = index < targets.length - 1 ? rollout.bakeSeconds : 0
      const stop = await bake(deps, seconds, rollout.alarm)
      if (stop !== undefined) {
        abort = { cause: 'alarm', message: `${stop} after ${wave}` }
        break
      }
    }
  } catch (error) {
    // Agents converge to the stable release again; the instances of earlier waves may keep the new one.
    // A run that lost its lock writes nothing more: the release parameter is the new holder's now.
    if (!(error instanceof LockLostError)) await writeRelease(deps.fleet, withState(release, 'aborted'))
    throw error
  }
  // Lost during the last wave: neither mark the release nor send anything back under another run.
  deps.assertLockHeld?.()
  const report = {
    environment: release.environment,
    service: release.service,
    digest: release.image.split('@')[1] ?? '',
    parameterVersion: rolling.version,
    ...(release.replaces === undefined ? {} : { replaces: release.replaces.version }),
    ...(release.restores === undefined ? {} : { restores: release.restores }),
    ...pulled.report,
    deploy: together(phases, release.image, rolling.selector),
    ...(waved ? { waves: phases, plannedWaves: targets.length } : {}),
  }
  if (abort === undefined) {
    const marked = await writeRelease(deps.fleet, withState(release, 'stable'))
    return { ...report, state: 'stable', stateVersion: marked.version }
  }
  const marked = await writeRelease(deps.fleet, withState(release, 'aborted'))
  const aborted = { ...report, state: 'aborted', stateVersion: marked.version, abort } as const
  if (stable === undefined) {
    return {
      ...aborted,
      rollbackSkipped: `version ${rolling.version} was the first release of ${release.environment}/${release.service}: there is no stable release to return to`,
    }
  }
  const changed = tookIt(phases)
  if (changed.length === 0) return { ...aborted, rollbackSkipped: 'no instance had taken the new release' }
  const selector = releaseSelectorText({ ...release, version: stable.version })
  // Never under the alarm: it is firing, and SSM would stop the rollback too.
  const back = { kind: 'instances', instanceIds: changed } as const
  const rollback = await runPhase(deps, options, back, stable.release, selector, 'rollback', undefined)
  return { ...aborted, rollback }
}

async function runPhase(
  deps: DeployDeps,
  options: FleetOptions,
  targeting: Targeting,
  release: DesiredRelease,
  selector: string,
  phase: 'deploy' | 'rollback',
  alarm: string | undefined,
): Promise<PhaseReport> {
  const result = await runOnFleet(deps.fleet, deps.clock, {
    documentName: options.documentName,
    // The command names one version exactly; each agent reads it with its instance role.
    parameters: { action: 'deploy', service: release.service, release: selector },
    targeting,
    maxConcurrency: options.maxConcurrency,
    maxErrors: options.maxErrors,
    timeoutSeconds: options.timeoutSeconds,
    ...(options.comment === undefined ? {} : { comment: options.comment }),
    ...(alarm === undefined ? {} : { alarm }),
    stepName: DEPLOY_STEP_NAME,
    onOutcome: (outcome) => deps.onOutcome?.(outcome, phase),
  })
  return { image: release.image, release: selector, ...result }
}
