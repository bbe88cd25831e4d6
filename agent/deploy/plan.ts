import type { ReleaseRecord } from '../state/ledger.ts'

/** A managed container of the service, as the planner needs it. */
export interface ServiceContainer {
  readonly id: string
  /** The `ecr-deploy.release` label; undefined on a container someone relabelled. */
  readonly releaseId: string | undefined
  readonly running: boolean
  /**
   * It publishes one of the service's public ports itself, as a `recreate` release does. A blue-green
   * deploy must stop it before the proxy can take the port: the move from recreate to blue-green.
   */
  readonly holdsPublicPort?: boolean
}

/** The release to switch to: its digest-pinned image and whether the image is already local. */
export interface DesiredRelease {
  readonly releaseId: string
  readonly image: string
  readonly digest: string
  readonly local: boolean
}

export interface DeployPlanInput {
  readonly containerName: string
  readonly stopTimeoutSeconds: number
  readonly desired: DesiredRelease
  readonly current?: ReleaseRecord
  readonly containers: readonly ServiceContainer[]
  /** The current release's container is running and just passed one probe. */
  readonly currentServes: boolean
  /** The desired release asks for another spec than the current one: a new release even for the same digest. */
  readonly specChanged?: boolean
}

export type DeployStep =
  | { readonly kind: 'pull'; readonly image: string }
  | { readonly kind: 'record-intent'; readonly releaseId: string }
  | { readonly kind: 'stop'; readonly containerId: string; readonly timeoutSeconds: number }
  | { readonly kind: 'start'; readonly releaseId: string; readonly image: string; readonly name: string }
  | { readonly kind: 'wait-health'; readonly releaseId: string }
  | { readonly kind: 'commit'; readonly releaseId: string }
  | { readonly kind: 'remove'; readonly containerId: string }
  /** blue-green: point the proxy's public ports at the release's container. */
  | { readonly kind: 'route'; readonly releaseId: string }
  /** Leaving blue-green: the proxy gives up these routes, so that a container can publish their ports. */
  | { readonly kind: 'unroute'; readonly names: readonly string[] }
  /** Undoing a failed move to blue-green: start again the container a `stop` step stopped. */
  | { readonly kind: 'resume'; readonly containerId: string }
  /** blue-green: wait until the container has no connection through the proxy, or the timeout. */
  | { readonly kind: 'drain'; readonly containerId: string; readonly timeoutSeconds: number }
  /** Undoing a failed switch: the pending release did not take; it is recorded as failed with this message. */
  | { readonly kind: 'abandon'; readonly message: string }

export type DeployPlan =
  | { readonly kind: 'unchanged'; readonly containerId: string }
  | { readonly kind: 'switch'; readonly steps: readonly DeployStep[] }

/**
 * The same digest with the same spec already serving: no pull, no restart, whatever the strategy; unless
 * the service is moving between strategies (`moving`), which takes a new container even for the same image.
 */
export function unchangedPlan(
  input: DeployPlanInput,
  moving: (serving: ServiceContainer) => boolean,
): DeployPlan | undefined {
  const { desired, current } = input
  const serving = current ? input.containers.find((c) => c.releaseId === current.id && c.running) : undefined
  const same = current?.digest === desired.digest && input.specChanged !== true
  if (serving && !moving(serving) && same && input.currentServes) {
    return { kind: 'unchanged', containerId: serving.id }
  }
  return undefined
}

export interface RestorePlanInput {
  /** The release to bring back; undefined on a first deploy, when there is nothing to restore. */
  readonly previous?: ReleaseRecord
  readonly previousContainerName: string
  /** Every container of the service now, the failed new one included. */
  readonly containers: readonly ServiceContainer[]
}

/**
 * Pure: how to undo a failed switch. The previous release is re-created from configuration and its
 * image (not restarted from its old container), so it runs exactly as configured now.
 */
export function planRestore(input: RestorePlanInput): readonly DeployStep[] {
  const steps: DeployStep[] = input.containers.map((c) => ({ kind: 'remove', containerId: c.id }))
  const { previous } = input
  if (previous) {
    steps.push(
      { kind: 'start', releaseId: previous.id, image: previous.image, name: input.previousContainerName },
      { kind: 'wait-health', releaseId: previous.id },
    )
  }
  return steps
}
