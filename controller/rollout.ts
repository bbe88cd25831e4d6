import type { DesiredRelease, ReleaseVersion } from '../shared/release.js'
import { releaseSelectorText, withState } from '../shared/release.js'
import type { ImageRegistry } from './ecr/images.js'
import type { FleetOptions } from './options.js'
import { type PrepullOptions, prepullFleet } from './prepull.js'
import { writeRelease } from './release-store.js'
import type { DeployReport, PhaseReport } from './report/fleet-report.js'
import { DEPLOY_STEP_NAME } from './ssm/document.js'
import type { FleetApi } from './ssm/fleet-api.js'
import type { InstanceOutcome } from './ssm/outcome.js'
import { runOnFleet } from './ssm/run-on-fleet.js'
import type { Targeting } from './ssm/send-command.js'
import type { WaitClock } from './ssm/waiter.js'

export interface DeployDeps {
  readonly registry: ImageRegistry
  readonly fleet: FleetApi
  readonly clock: WaitClock
  readonly onOutcome?: (outcome: InstanceOutcome, phase: 'pull' | 'deploy' | 'rollback') => void
}

/*
 * A deploy and a rollback are the same act: write the release as a `rolling` version, send that version to
 * the targets under SSM's rate control, then write the outcome as the next version: `stable`, or `aborted`
 * with the stable release sent back to exactly the instances that took the new one. Agents converge on
 * their own only to a stable release, so nothing here can be outrun by the desired-state job.
 */

/** A rollout failed when any instance failed, the wait ended first, or no instance was reached at all. */
function failed(phase: PhaseReport): boolean {
  return phase.timedOut || phase.outcomes.length === 0 || phase.outcomes.some((o) => o.result === 'failed')
}

/**
 * The instances that may run the new release: those that succeeded, and those still unfinished when the
 * wait ended (SSM goes on with them). An instance that failed was restored by its own agent.
 */
function tookIt(phase: PhaseReport): string[] {
  const ok = phase.outcomes.filter((o) => o.result !== 'failed').map((o) => o.instanceId)
  return [...new Set([...ok, ...phase.unfinished])]
}

export async function rollOut(
  deps: DeployDeps,
  options: PrepullOptions,
  release: DesiredRelease,
  stable: ReleaseVersion | undefined,
): Promise<DeployReport> {
  const rolling = await writeRelease(deps.fleet, release)
  const pulled = await prepullFleet(deps, options, release, rolling)
  if (pulled.stopped) return pulled.stopped
  let deploy: PhaseReport
  try {
    deploy = await runPhase(deps, options, options.targeting, release, rolling.selector, 'deploy')
  } catch (error) {
    // Nothing is known to have taken it; agents converge to the stable release again.
    await writeRelease(deps.fleet, withState(release, 'aborted'))
    throw error
  }
  const report = {
    environment: release.environment,
    service: release.service,
    digest: release.image.split('@')[1] ?? '',
    parameterVersion: rolling.version,
    ...(release.replaces === undefined ? {} : { replaces: release.replaces.version }),
    ...(release.restores === undefined ? {} : { restores: release.restores }),
    ...pulled.report,
    deploy,
  }
  if (!failed(deploy)) {
    const marked = await writeRelease(deps.fleet, withState(release, 'stable'))
    return { ...report, state: 'stable', stateVersion: marked.version }
  }
  const marked = await writeRelease(deps.fleet, withState(release, 'aborted'))
  const aborted = { ...report, state: 'aborted', stateVersion: marked.version } as const
  if (stable === undefined) {
    return {
      ...aborted,
      rollbackSkipped: `version ${rolling.version} was the first release of ${release.environment}/${release.service}: there is no stable release to return to`,
    }
  }
  const changed = tookIt(deploy)
  if (changed.length === 0) return { ...aborted, rollbackSkipped: 'no instance had taken the new release' }
  const selector = releaseSelectorText({ ...release, version: stable.version })
  const rollback = await runPhase(
    deps,
    options,
    { kind: 'instances', instanceIds: changed },
    stable.release,
    selector,
    'rollback',
  )
  return { ...aborted, rollback }
}

async function runPhase(
  deps: DeployDeps,
  options: FleetOptions,
  targeting: Targeting,
  release: DesiredRelease,
  selector: string,
  phase: 'deploy' | 'rollback',
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
    stepName: DEPLOY_STEP_NAME,
    onOutcome: (outcome) => deps.onOutcome?.(outcome, phase),
  })
  return { image: release.image, release: selector, ...result }
}
