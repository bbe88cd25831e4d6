import { catalogue, DeployToolError, type ErrorCode, ExitCode } from '../../shared/errors.ts'
import type { DeployOutcome, DeployResult, ProgressEvent, PullOutcome } from '../deploy/deployer.ts'

/**
 * The lines the daemon streams to the CLI (NDJSON, one object a line) and the error body of every route.
 * The CLI imports this file, so it must stay free of fastify and of anything else heavy.
 */

/** A deploy or rollback step, as it happens. */
export interface ProgressLine extends ProgressEvent {
  readonly type: 'progress'
}

/** The last line of a successful deploy, rollback or pull. */
export interface ResultLine {
  readonly type: 'result'
  readonly result: DeployResult | 'pulled'
  readonly service: string
  readonly image: string
  readonly digest: string
  readonly previousDigest: string | null
  /** The ledger's id of the release now current; null after a pull, which records nothing. */
  readonly releaseId: string | null
  readonly durationMs: number
  readonly message: string
}

/** A failure: the last line of a stream, or the whole body of a non-2xx answer. */
export interface ErrorLine {
  readonly type: 'error'
  readonly code: ErrorCode
  readonly message: string
  readonly exitCode: number
}

export type StreamLine = ProgressLine | ResultLine | ErrorLine

export function progressLineOf(event: ProgressEvent): ProgressLine {
  return { type: 'progress', service: event.service, phase: event.phase, message: event.message }
}

export function resultLineOf(outcome: DeployOutcome): ResultLine {
  return {
    type: 'result',
    result: outcome.result,
    service: outcome.service,
    image: outcome.release.image,
    digest: outcome.release.digest,
    previousDigest: outcome.previous?.digest ?? null,
    releaseId: outcome.release.id,
    durationMs: outcome.durationMs,
    message: outcome.message,
  }
}

export function pullResultLineOf(outcome: PullOutcome): ResultLine {
  return {
    type: 'result',
    result: outcome.result,
    service: outcome.service,
    image: outcome.image,
    digest: outcome.digest,
    previousDigest: null,
    releaseId: null,
    durationMs: outcome.durationMs,
    message: outcome.message,
  }
}

/** Anything thrown becomes a catalogue code; unknown errors are internal and keep only their message. */
export function errorLineOf(error: unknown): ErrorLine {
  if (error instanceof DeployToolError) {
    return { type: 'error', code: error.code, message: error.message, exitCode: error.exitCode }
  }
  const message = error instanceof Error ? error.message : String(error)
  return { type: 'error', code: 'E_INTERNAL', message, exitCode: ExitCode.internal }
}

/** True when `code` is one this build knows (a newer daemon may send codes an older CLI lacks). */
export function isKnownCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(catalogue, code)
}
