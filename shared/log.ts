import { type DestinationStream, type Logger, pino } from 'pino'
import { CENSOR, censorSecrets, hideInLogs } from './log-secrets.ts'

export { hideInLogs } from './log-secrets.ts'

/**
 * Paths that may hold secrets anywhere in a log object. ECR tokens and AWS keys must never reach a log,
 * even by accident, so they are censored by key name at any of these depths.
 */
export const REDACT_PATHS = Object.freeze([
  'password',
  'authorizationToken',
  'token',
  'secretAccessKey',
  'SecretAccessKey',
  'sessionToken',
  'SessionToken',
  'authconfig',
  'auth',
  '*.password',
  '*.authorizationToken',
  '*.token',
  '*.secretAccessKey',
  '*.SecretAccessKey',
  '*.sessionToken',
  '*.SessionToken',
  '*.authconfig',
  '*.auth',
  'headers.authorization',
  'req.headers.authorization',
])

/**
 * JSON logs (pino) to stdout, for journald; level from LOG_LEVEL. Known secrets are censored from the
 * finished line too, so a token inside an error's message or cause is caught; the process's own AWS
 * keys are known from the start.
 */
export function createLogger(name: string, destination?: DestinationStream): Logger {
  hideInLogs(process.env.AWS_SECRET_ACCESS_KEY, process.env.AWS_SESSION_TOKEN)
  const options = {
    name,
    level: process.env.LOG_LEVEL ?? 'info',
    redact: { paths: [...REDACT_PATHS], censor: CENSOR },
    hooks: { streamWrite: censorSecrets },
  }
  return destination ? pino(options, destination) : pino(options)
}
