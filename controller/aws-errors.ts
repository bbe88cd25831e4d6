import { isAuthErrorName } from '../shared/aws-auth-errors.ts'
import { AwsAuthError, AwsError, DeployToolError } from '../shared/errors.ts'

const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
])

function nameOf(error: unknown): string {
  return error instanceof Error ? error.name : ''
}

/**
 * Turns an SDK failure into a catalogue error naming the operation and what to do. SDK errors stay the
 * `cause`, so `--verbose` still shows them.
 */
export function awsFailure(operation: string, error: unknown, subject = ''): DeployToolError {
  if (error instanceof DeployToolError) return error
  const name = nameOf(error)
  const detail = error instanceof Error ? error.message : String(error)
  const where = subject ? ` (${subject})` : ''
  if (isAuthErrorName(name)) {
    return new AwsAuthError(`${operation}${where} was refused: ${name}: ${detail}`, { cause: error })
  }
  return new AwsError(`${operation}${where} failed: ${name || 'error'}: ${detail}`, { cause: error })
}

/** True for throttling that outlived the SDK's own retries: the waiter backs off and polls again. */
export function isThrottling(error: unknown): boolean {
  const cause = error instanceof Error && error.cause !== undefined ? error.cause : error
  return THROTTLING.has(nameOf(cause))
}

/** True when SSM does not know a command's invocation yet: Run Command is eventually consistent. */
export function isInvocationNotYetKnown(error: unknown): boolean {
  const cause = error instanceof Error && error.cause !== undefined ? error.cause : error
  return nameOf(cause) === 'InvocationDoesNotExist'
}
