/**
 * The agent's use cases, as the API, the CLI and the upkeep jobs see them.
 * The implementation decides in pure planners and acts through the Docker, ECR and state adapters;
 * build it with `createDeployer(deps)` from create-deployer.ts.
 */

import type { DeployResult, ReleaseRecord, ServiceStatus } from '../../shared/agent-contract.ts'
import type { ReleaseSpecText } from '../../shared/release.ts'

// The release and status shapes are what the controller reads too: they live in the contract.
export type { DeployResult, ReleaseRecord, ServiceStatus }

/** Progress of a deploy, streamed to the CLI as NDJSON and printed compactly (SSM keeps 24,000 characters). */
export interface ProgressEvent {
  readonly service: string
  readonly phase: 'resolve' | 'pull' | 'start' | 'health' | 'switch' | 'stop' | 'rollback' | 'done'
  readonly message: string
}

/** The release a deploy comes from: its selector, recorded in the ledger, and its spec, applied on the file. */
export interface ReleaseRef {
  readonly selector: string
  readonly spec: ReleaseSpecText
}

export interface DeployRequest {
  readonly service: string
  /** ECR image reference, by tag or digest. */
  readonly image: string
  /**
   * Deployed from a release: its spec overrides the file's entry within the file's policy (else
   * PolicyRefusedError, nothing changed). Without it the release runs the file's entry alone.
   */
  readonly release?: ReleaseRef
  /** Wait for a running deploy of the same service instead of failing with BusyError. */
  readonly wait?: boolean
  readonly onProgress?: (event: ProgressEvent) => void
}

/** A pull: the deploy's checks and image, and nothing started, stopped or recorded. */
export interface PullRequest {
  readonly service: string
  /** ECR image reference, by tag or digest. */
  readonly image: string
  /** Pulled for a release: checked against the file's policy as its deploy will be. */
  readonly release?: ReleaseRef
  readonly onProgress?: (event: ProgressEvent) => void
}

export interface PullOutcome {
  readonly service: string
  readonly result: 'pulled'
  /** The digest-pinned image now on the instance. */
  readonly image: string
  readonly digest: string
  readonly durationMs: number
  readonly message: string
}

export interface RollbackRequest {
  readonly service: string
  /** Release id to return to; default: the previous successful release. */
  readonly to?: string
  readonly onProgress?: (event: ProgressEvent) => void
}

export interface DeployOutcome {
  readonly service: string
  readonly result: DeployResult
  readonly release: ReleaseRecord
  readonly previous?: ReleaseRecord
  readonly durationMs: number
  readonly message: string
}

export interface UpkeepReport {
  readonly actions: readonly string[]
}

/** Reconcile also lists services with containers but no configuration; this says what to do about one. */
export function orphanAction(service: string, containers: number): string {
  return `${service}: not in the configuration; its ${containers} container(s) are left running (\`ecr-deploy-agent retire --service ${service}\` removes them)`
}

/**
 * What the agent can do. Methods throw catalogue errors (shared/errors.ts): BusyError, ImageNotAllowedError,
 * UnknownServiceError, PullFailedError, HealthFailedError (after a successful automatic rollback),
 * RollbackFailedError, NoPreviousReleaseError...
 */
export interface Deployer {
  deploy(request: DeployRequest): Promise<DeployOutcome>
  /** Pulls a release's image ahead of its deploy; touches no container and no ledger. */
  pull(request: PullRequest): Promise<PullOutcome>
  rollback(request: RollbackRequest): Promise<DeployOutcome>
  status(service?: string): Promise<readonly ServiceStatus[]>
  history(service: string): Promise<readonly ReleaseRecord[]>
  /** On start and every few minutes: finish or undo interrupted deploys; restart missing/stopped containers. */
  reconcile(): Promise<UpkeepReport>
  /** Remove images of managed services beyond the kept count, never the current or previous release. */
  prune(): Promise<UpkeepReport>
  /**
   * Removes what is left of a service no longer in the configuration (its containers, its proxy routes,
   * its current release). Refuses, with UsageError, a service the configuration still has.
   */
  retire(service: string): Promise<UpkeepReport>
}
