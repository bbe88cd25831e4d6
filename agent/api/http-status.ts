import type { ErrorCode } from '../../shared/errors.ts'

/**
 * HTTP status for each catalogue code. The CLI decides on the code and exit code in the body, not on the
 * status; the status is there so that curl users and logs read naturally. Codes added later answer 500.
 */
const STATUS: Readonly<Partial<Record<ErrorCode, number>>> = Object.freeze({
  E_INTERNAL: 500,
  E_USAGE: 400,
  E_CONFIG_INVALID: 422,
  E_IMAGE_REF_INVALID: 400,
  E_IMAGE_NOT_ALLOWED: 403,
  E_POLICY_REFUSED: 403,
  E_RELEASE_INVALID: 422,
  E_UNKNOWN_SERVICE: 404,
  E_BUSY: 409,
  E_IMAGE_NOT_FOUND: 404,
  E_PULL_FAILED: 502,
  E_HEALTH_FAILED: 422,
  E_ROLLBACK_FAILED: 500,
  E_NO_PREVIOUS_RELEASE: 409,
  E_DOCKER: 503,
  E_DAEMON_UNAVAILABLE: 503,
  E_PARTIAL_FAILURE: 500,
  E_TOTAL_FAILURE: 500,
  E_TIMEOUT: 504,
  E_AWS_AUTH: 502,
  E_AWS: 502,
})

export function httpStatusOf(code: ErrorCode): number {
  return STATUS[code] ?? 500
}
