/**
 * The error catalogue. Every failure a user can see has a stable code, an exit code and a hint.
 * Only the CLI entry points print errors and exit; everything else throws one of these classes.
 */

/** Exit codes shared by both CLIs; documented in README.md ("Exit codes"). */
export const ExitCode = Object.freeze({
  ok: 0,
  internal: 1,
  usage: 2,
  busy: 3,
  pullFailed: 4,
  healthFailedRolledBack: 5,
  rollbackFailed: 6,
  daemonUnavailable: 7,
  scanRefused: 8,
  partialFailure: 10,
  totalFailure: 11,
  timeout: 12,
  awsAuth: 13,
  aws: 14,
  abortedRolledBack: 15,
  /** 128 + SIGINT's number, as a shell reports a process stopped by Ctrl-C. */
  registry: 16,
  conflict: 17,
  lockLost: 18,
  interrupted: 130,
})

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode]

interface CatalogueEntry {
  readonly exitCode: ExitCodeValue
  readonly hint: string
}

/** Stable codes. Adding a code means adding a row here, a class below and a line in README.md. */
export const catalogue = Object.freeze({
  E_INTERNAL: {
    exitCode: ExitCode.internal,
    hint: 'This is a bug; rerun with --verbose and report the stack.',
  },
  E_USAGE: { exitCode: ExitCode.usage, hint: 'Run the command with --help to see the accepted flags.' },
  E_CONFIG_INVALID: {
    exitCode: ExitCode.usage,
    hint: 'Fix the named key in the configuration file and reload.',
  },
  E_IMAGE_REF_INVALID: {
    exitCode: ExitCode.usage,
    hint: 'Use <account>.dkr.ecr.<region>.amazonaws.com/<repository>[:tag|@sha256:<64 hex>].',
  },
  E_IMAGE_NOT_ALLOWED: {
    exitCode: ExitCode.usage,
    hint: "Deploy an image from the service's configured repository, or change the configuration.",
  },
  E_RELEASE_INVALID: {
    exitCode: ExitCode.usage,
    hint: 'Deploy the release again with this version of ecr-deploy, or name another version of the release parameter.',
  },
  E_POLICY_REFUSED: {
    exitCode: ExitCode.usage,
    hint: "Change the release's spec to fit the instance's agent.yaml, or widen the service's allow: block there.",
  },
  E_UNKNOWN_SERVICE: {
    exitCode: ExitCode.usage,
    hint: 'Check the service name against the agent configuration.',
  },
  E_BUSY: {
    exitCode: ExitCode.busy,
    hint: 'Another deploy of this service is running: retry later, or wait for it (the agent: --wait; ecr-deploy deploy and rollback: --lock-wait <seconds>).',
  },
  E_IMAGE_NOT_FOUND: {
    exitCode: ExitCode.pullFailed,
    hint: 'Check that the tag or digest was pushed to ECR.',
  },
  E_PULL_FAILED: {
    exitCode: ExitCode.pullFailed,
    hint: "Nothing was changed. The message names the cause: most often the registry out of reach, the instance role without ECR pull rights, a full disk, or a release the instance's agent.yaml refuses.",
  },
  E_HEALTH_FAILED: {
    exitCode: ExitCode.healthFailedRolledBack,
    hint: 'The previous release was restored. Read the container log tail above to see why the new one failed.',
  },
  E_ROLLBACK_FAILED: {
    exitCode: ExitCode.rollbackFailed,
    hint: 'The service may be down. Check `ecr-deploy-agent status` and the container logs now.',
  },
  E_NO_PREVIOUS_RELEASE: {
    exitCode: ExitCode.rollbackFailed,
    hint: 'There is no earlier release recorded to roll back to.',
  },
  E_DOCKER: { exitCode: ExitCode.internal, hint: 'Check that the Docker daemon is running and reachable.' },
  E_DAEMON_UNAVAILABLE: {
    exitCode: ExitCode.daemonUnavailable,
    hint: 'Start it with `systemctl start ecr-deploy-agent`, or check the socket path.',
  },
  E_PARTIAL_FAILURE: {
    exitCode: ExitCode.partialFailure,
    hint: 'Some instances failed; see the per-instance report.',
  },
  E_TOTAL_FAILURE: {
    exitCode: ExitCode.totalFailure,
    hint: 'No instance succeeded; see the per-instance report.',
  },
  E_TIMEOUT: {
    exitCode: ExitCode.timeout,
    hint: 'Raise --timeout or check the instances that have not answered.',
  },
  E_AWS_AUTH: {
    exitCode: ExitCode.awsAuth,
    hint: 'Check the AWS credentials (OIDC role, instance role or environment) and their permissions.',
  },
  E_ROLLOUT_ABORTED: {
    exitCode: ExitCode.abortedRolledBack,
    hint: 'The rollout stopped, the release is marked aborted, and every instance that had taken it was sent the stable release back (one that failed restored it itself); the report names the alarm or the failures.',
  },
  E_AWS: { exitCode: ExitCode.aws, hint: 'An AWS call failed; retry, or check the named resource.' },
  E_LOCK_LOST: {
    exitCode: ExitCode.lockLost,
    hint: 'Another run may be deploying this service now: see who holds the lock with ecr-deploy lock status and let that run finish; the release this run sent stays rolling: deploy or roll back again after it.',
  },
  E_INTERRUPTED: {
    exitCode: ExitCode.interrupted,
    hint: 'The run was stopped (SIGINT or SIGTERM) and released its deploy lock; the release it was rolling out stays rolling: deploy or roll back again.',
  },
  E_IMAGE_UNAVAILABLE: {
    exitCode: ExitCode.usage,
    hint: 'Restore an archived image in ECR (about 20 minutes) and run the command again, or roll back to a release whose image ECR still holds.',
  },
  E_SCAN_REFUSED: {
    exitCode: ExitCode.scanRefused,
    hint: 'Fix the listed findings and push a new image; give --allow-unscanned only for an image that cannot be scanned, or raise --scan-timeout for a slow scan.',
  },
  E_PROXY: {
    exitCode: ExitCode.internal,
    hint: 'Check that ecr-deploy-proxy runs (systemctl status ecr-deploy-proxy) and its socket path.',
  },
  E_REGISTRY: {
    exitCode: ExitCode.registry,
    hint: 'A registry call failed; run the same command again: what was copied is skipped.',
  },
  E_REGISTRY_AUTH: {
    exitCode: ExitCode.registry,
    hint: 'Check DOCKERHUB_USERNAME and DOCKERHUB_TOKEN (or the docker config file) for the source, and the AWS credentials for ECR.',
  },
  E_SOURCE_NOT_FOUND: {
    exitCode: ExitCode.registry,
    hint: 'Check the --from repository and the --tags pattern against the source registry.',
  },
  E_TAG_CONFLICT: {
    exitCode: ExitCode.conflict,
    hint: 'Nothing was changed for that tag. Pass --force to move a tag in a mutable repository, or copy under another tag.',
  },
  E_MIGRATION_INCOMPLETE: {
    exitCode: ExitCode.partialFailure,
    hint: 'Some tags were not copied; see the table. Run the same command again: copied tags are skipped.',
  },
} satisfies Record<string, CatalogueEntry>)

export type ErrorCode = keyof typeof catalogue

/** Base class: never thrown directly, so that every failure has a kind. */
export abstract class DeployToolError extends Error {
  abstract readonly code: ErrorCode

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
  }

  get exitCode(): ExitCodeValue {
    return catalogue[this.code].exitCode
  }

  get hint(): string {
    return catalogue[this.code].hint
  }
}

export class InternalError extends DeployToolError {
  readonly code = 'E_INTERNAL'
}
export class UsageError extends DeployToolError {
  readonly code = 'E_USAGE'
}
export class ConfigError extends DeployToolError {
  readonly code = 'E_CONFIG_INVALID'
}
export class ImageRefError extends DeployToolError {
  readonly code = 'E_IMAGE_REF_INVALID'
}
export class ImageNotAllowedError extends DeployToolError {
  readonly code = 'E_IMAGE_NOT_ALLOWED'
}
/** A release record in Parameter Store that cannot be read, or that names another environment or service. */
export class ReleaseInvalidError extends DeployToolError {
  readonly code = 'E_RELEASE_INVALID'
}
/** A release's spec asks for more than the instance's file allows; nothing was changed. */
export class PolicyRefusedError extends DeployToolError {
  readonly code = 'E_POLICY_REFUSED'
}
export class UnknownServiceError extends DeployToolError {
  readonly code = 'E_UNKNOWN_SERVICE'
}
export class BusyError extends DeployToolError {
  readonly code = 'E_BUSY'
}
export class ImageNotFoundError extends DeployToolError {
  readonly code = 'E_IMAGE_NOT_FOUND'
}
export class PullFailedError extends DeployToolError {
  readonly code = 'E_PULL_FAILED'
}
export class HealthFailedError extends DeployToolError {
  readonly code = 'E_HEALTH_FAILED'
}
export class RollbackFailedError extends DeployToolError {
  readonly code = 'E_ROLLBACK_FAILED'
}
export class NoPreviousReleaseError extends DeployToolError {
  readonly code = 'E_NO_PREVIOUS_RELEASE'
}
export class DockerError extends DeployToolError {
  readonly code = 'E_DOCKER'
}
export class DaemonUnavailableError extends DeployToolError {
  readonly code = 'E_DAEMON_UNAVAILABLE'
}
export class PartialFailureError extends DeployToolError {
  readonly code = 'E_PARTIAL_FAILURE'
}
export class TotalFailureError extends DeployToolError {
  readonly code = 'E_TOTAL_FAILURE'
}
export class TimeoutError extends DeployToolError {
  readonly code = 'E_TIMEOUT'
}
/** A rollout stopped (alarm, failures beyond --max-errors, timeout) and was rolled back. */
export class RolloutAbortedError extends DeployToolError {
  readonly code = 'E_ROLLOUT_ABORTED'
}
export class AwsAuthError extends DeployToolError {
  readonly code = 'E_AWS_AUTH'
}
export class AwsError extends DeployToolError {
  readonly code = 'E_AWS'
}
/**
 * A renewal found the deploy lock deleted or taken over mid-rollout; the rollout stopped before its next
 * wave (or its stable mark) and left the release rolling.
 */
export class LockLostError extends DeployToolError {
  readonly code = 'E_LOCK_LOST'
}
/** The controller was stopped by SIGINT or SIGTERM; it released what it held first. */
export class InterruptedError extends DeployToolError {
  readonly code = 'E_INTERRUPTED'
}
/** The release's image is gone from ECR or archived: instances could not pull it. */
export class ImageUnavailableError extends DeployToolError {
  readonly code = 'E_IMAGE_UNAVAILABLE'
}
/** The scan gate refused the image: findings at or above --max-severity, no usable scan, or a scan too slow. */
export class ScanRefusedError extends DeployToolError {
  readonly code = 'E_SCAN_REFUSED'
}
export class ProxyError extends DeployToolError {
  readonly code = 'E_PROXY'
}

/** A registry (the migration's source or ECR's registry API) answered with an error. */
export class RegistryError extends DeployToolError {
  readonly code = 'E_REGISTRY'
}
/** A registry refused the credentials given, or gave no access. */
export class RegistryAuthError extends DeployToolError {
  readonly code = 'E_REGISTRY_AUTH'
}
/** The source repository, or the tags asked for, are not in the source registry. */
export class SourceNotFoundError extends DeployToolError {
  readonly code = 'E_SOURCE_NOT_FOUND'
}
/** A tag already in ECR names another digest than the source's, and may not be moved. */
export class TagConflictError extends DeployToolError {
  readonly code = 'E_TAG_CONFLICT'
}
/** A migration copied some tags and failed others. */
export class MigrationIncompleteError extends DeployToolError {
  readonly code = 'E_MIGRATION_INCOMPLETE'
}

/** Formats an error the way both CLIs print it: `error [CODE]: message` then the hint. */
export function formatError(error: unknown, verbose = false): string {
  if (error instanceof DeployToolError) {
    const lines = [`error [${error.code}]: ${error.message}`, `hint: ${error.hint}`]
    if (verbose && error.stack) lines.push(error.stack)
    return lines.join('\n')
  }
  const message = error instanceof Error ? error.message : String(error)
  const lines = [`error [E_INTERNAL]: ${message}`, `hint: ${catalogue.E_INTERNAL.hint}`]
  if (verbose && error instanceof Error && error.stack) lines.push(error.stack)
  return lines.join('\n')
}

/** The exit code for anything thrown. */
export function exitCodeOf(error: unknown): ExitCodeValue {
  return error instanceof DeployToolError ? error.exitCode : ExitCode.internal
}
