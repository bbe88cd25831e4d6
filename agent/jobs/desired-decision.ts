import {
  type ReleaseSpecText,
  type ReleaseVersion,
  releaseSelectorText,
  sameSpec,
} from '../../shared/release.ts'

/*
 * What the desired-state job does for one service, decided from data alone: the newest version of the
 * service's release parameter, the release this instance runs, and a hold. Convergence follows the
 * rollout and never outruns it: SSM carries a rolling release through the fleet at its own pace.
 */

/** The release this instance runs, as its ledger records it. */
export interface RunningRelease {
  readonly digest: string
  readonly spec?: ReleaseSpecText
  readonly release?: string
}

/** A release the job must not deploy (rolled back from, or failed) until the release changes. */
export interface HeldRelease {
  readonly digest: string
  readonly spec?: ReleaseSpecText
  readonly since: string
  readonly reason: string
}

export interface DesiredInput {
  /** The parameter's newest version. */
  readonly latest: ReleaseVersion
  /** The version `latest.release.replaces` names, read when the decision needs it (see needsReplaced). */
  readonly replaced?: ReleaseVersion
  /** Undefined: this instance runs no release of the service at all. */
  readonly current?: RunningRelease
  readonly hold?: HeldRelease
}

export type DesiredAction =
  | {
      readonly kind: 'deploy'
      readonly target: ReleaseVersion
      readonly reason: string
      /** The hold is on another release than the one wanted now: it has done its job. */
      readonly releaseHold: boolean
    }
  | {
      readonly kind: 'nothing'
      readonly reason: string
      readonly releaseHold: boolean
      /** The target is on hold: the job warns once per hold and daemon run. */
      readonly held?: true
    }

/** The decision needs the release `latest` replaces: aborted, or rolling on an instance that runs nothing. */
export function needsReplaced(latest: ReleaseVersion, current: RunningRelease | undefined): boolean {
  const { state, replaces } = latest.release
  if (replaces === undefined) return false
  return state === 'aborted' || (state === 'rolling' && current === undefined)
}

/**
 * stable: converge to it. rolling: an instance that runs no release gets the stable release it replaces;
 * any other is left alone (never undo what SSM just applied). aborted: converge to the stable release it
 * replaces. A target equal to what runs (digest and spec) or on hold is left alone.
 */
export function decideDesired(input: DesiredInput): DesiredAction {
  const { latest, current } = input
  const name = selector(latest, latest.version)
  const { state, replaces } = latest.release
  let target: ReleaseVersion
  let why: string
  if (state === 'stable') {
    target = latest
    why = `${name} is stable`
  } else if (state === 'rolling' && current !== undefined) {
    return nothing(
      `${name} is rolling: SSM carries it through the fleet, and this instance runs a release already`,
      false,
    )
  } else if (replaces === undefined) {
    return nothing(
      `${name} is ${state} and replaces no stable release: there is nothing stable to run yet`,
      false,
    )
  } else if (input.replaced === undefined || input.replaced.version !== replaces.version) {
    return nothing(`${name} is ${state}, and the release it replaces was not read`, false)
  } else {
    target = input.replaced
    why =
      state === 'rolling'
        ? `${name} is rolling and this instance runs no release: it gets ${selector(latest, replaces.version)}, the stable release it replaces`
        : `${name} was aborted: back to ${selector(latest, replaces.version)}, the stable release it replaces`
  }
  const digest = digestOf(target.release.image)
  const { hold } = input
  const onHold = hold !== undefined && hold.digest === digest && sameSpec(hold.spec, target.release.spec)
  const releaseHold = hold !== undefined && !onHold
  if (current !== undefined && current.digest === digest && sameSpec(current.spec, target.release.spec)) {
    return nothing(`${why}, and this instance runs it`, releaseHold)
  }
  if (onHold) {
    return {
      kind: 'nothing',
      reason: `${why}, but it is on hold since ${hold.since} (${hold.reason})`,
      releaseHold: false,
      held: true,
    }
  }
  return { kind: 'deploy', target, reason: why, releaseHold }
}

function nothing(reason: string, releaseHold: boolean): DesiredAction {
  return { kind: 'nothing', reason, releaseHold }
}

function selector(latest: ReleaseVersion, version: number): string {
  const { environment, service } = latest.release
  return releaseSelectorText({ environment, service, version })
}

function digestOf(image: string): string {
  return image.slice(image.indexOf('@') + 1)
}
