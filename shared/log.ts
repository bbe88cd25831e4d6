import { type DestinationStream, type Logger, pino } from 'pino'

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

/** JSON logs (pino) to stdout, for journald; level from LOG_LEVEL. */
export function createLogger(name: string, destination?: DestinationStream): Logger {
  const options = {
    name,
    level: process.env.LOG_LEVEL ?? 'info',
    redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
  }
  return destination ? pino(options, destination) : pino(options)
}
