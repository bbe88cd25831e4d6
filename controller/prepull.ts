import type { DesiredRelease } from '../shared/release.ts'
import { withState } from '../shared/release.ts'
import type { FleetOptions } from './options.ts'
import { writeRelease } from './release-store.ts'
import type { DeployReport, PhaseReport } from './report/fleet-report.ts'
import { DEPLOY_STEP_NAME } from './ssm/document.ts'
import type { FleetApi } from './ssm/fleet-api.ts'
import type { InstanceOutcome } from './ssm/outcome.ts'
import { runOnFleet } from './ssm/run-on-fleet.ts'
import type { WaitClock } from './ssm/waiter.ts'

/*
 * Before any instance switches, every target pulls the release's image (the document's `pull` action: the
 * agent reads the release with its instance role, checks it as its deploy will, pulls, and changes no
 * container). The switch waves then only start and health-check, so a large image no longer stretches the
 * time the fleet runs mixed versions, and an instance that cannot pull stops the rollout before any switch.
 */

/**
 * All targets at once: a pull changes nothing an instance serves, so SSM's rate control guards nothing here.
 * MaxErrors 100% lets every instance try and answer, so the report names every instance that could not
 * pull, not only the first; the controller, not SSM, stops the rollout on any failure.
 */
export const PREPULL_MAX_CONCURRENCY = '100%'
export const PREPULL_MAX_ERRORS = '100%'

/** What the pull acts through: the rollout's own deps fit. */
export interface PrepullDeps {
  readonly fleet: FleetApi
  readonly clock: WaitClock
  readonly onOutcome?: (outcome: InstanceOutcome, phase: 'pull') => void
  /** Throws LockLostError once the deploy lock is no longer this run's (see rollout.ts). */
  readonly assertLockHeld?: () => void
}

export interface PrepullOptions extends FleetOptions {
  /** False with --no-prepull: each wave pulls as it switches, as before. */
  readonly prepull?: boolean
}

/** What the rollout goes on with: the pull's phase for the report, or the report of a rollout it stopped. */
export type Prepulled =
  | { readonly stopped?: undefined; readonly report: { readonly prepull?: PhaseReport } }
  | { readonly stopped: DeployReport }

/** Sends `pull` to the whole target set and waits; undefined with --no-prepull. */
export async function sendPull(
  deps: PrepullDeps,
  options: PrepullOptions,
  release: DesiredRelease,
  selector: string,
): Promise<PhaseReport | undefined> {
  if (options.prepull === false) return undefined
  const result = await runOnFleet(deps.fleet, deps.clock, {
    documentName: options.documentName,
    parameters: { action: 'pull', service: release.service, release: selector },
    targeting: options.targeting,
    maxConcurrency: PREPULL_MAX_CONCURRENCY,
    maxErrors: PREPULL_MAX_ERRORS,
    timeoutSeconds: options.timeoutSeconds,
    ...(options.comment === undefined ? {} : { comment: options.comment }),
    stepName: DEPLOY_STEP_NAME,
    onOutcome: (outcome) => deps.onOutcome?.(outcome, 'pull'),
  })
  return { image: release.image, release: selector, ...result }
}

/**
 * Why the pull stops the rollout: instances failed or did not finish in time (named; their own messages are
 * in the phase's outcomes, which each report shows escaped for its sink), or no instance was reached.
 * Undefined when every target has the image.
 */
export function pullFailure(phase: PhaseReport): string | undefined {
  const failed = phase.outcomes.filter((o) => o.result === 'failed').map((o) => o.instanceId)
  const waiting = [...phase.unfinished, ...(phase.unlisted > 0 ? [`${phase.unlisted} never listed`] : [])]
  const reasons = [
    ...(failed.length > 0 ? [`failed on ${failed.join(', ')}`] : []),
    ...(waiting.length > 0 ? [`not finished when the wait ended on ${waiting.join(', ')}`] : []),
  ]
  if (reasons.length > 0) return `the pull before the first wave ${reasons.join('; ')}`
  if (phase.outcomes.length === 0) return 'the pull before the first wave reached no instance'
  return undefined
}

/**
 * The pull before the first wave. On a failure the release is marked `aborted` (the stable release it
 * replaces stands) and the rollout ends there: no instance switched, so nothing is rolled back.
 */
export async function prepullFleet(
  deps: PrepullDeps,
  options: PrepullOptions,
  release: DesiredRelease,
  rolling: { readonly version: number; readonly selector: string },
): Promise<Prepulled> {
  let phase: PhaseReport | undefined
  try {
    phase = await sendPull(deps, options, release, rolling.selector)
  } catch (error) {
    // A run that lost its lock writes nothing more: the release parameter is the new holder's now.
    deps.assertLockHeld?.()
    // No instance switched: agents converge to the stable release, which still stands.
    await writeRelease(deps.fleet, withState(release, 'aborted'))
    throw error
  }
  if (phase === undefined) return { report: {} }
  const failure = pullFailure(phase)
  if (failure === undefined) return { report: { prepull: phase } }
  deps.assertLockHeld?.()
  const marked = await writeRelease(deps.fleet, withState(release, 'aborted'))
  const none = { commandIds: [], outcomes: [], targetCount: 0, timedOut: false, unfinished: [], unlisted: 0 }
  return {
    stopped: {
      environment: release.environment,
      service: release.service,
      digest: release.image.split('@')[1] ?? '',
      parameterVersion: rolling.version,
      state: 'aborted',
      stateVersion: marked.version,
      ...(release.replaces === undefined ? {} : { replaces: release.replaces.version }),
      ...(release.restores === undefined ? {} : { restores: release.restores }),
      prepull: phase,
      deploy: { image: release.image, release: rolling.selector, ...none },
      pullFailure: failure,
      rollbackSkipped: 'no instance had switched: the rollout stopped after the pull, before the first wave',
    },
  }
}
