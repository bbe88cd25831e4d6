/**
 * Secret values no log line may carry, wherever they appear: in a message, in an error's message or its
 * cause (which pino's err serializer appends), or under a key name the redact paths do not know.
 * Redacting by key name alone misses all of those.
 */

export const CENSOR = '[redacted]'

/**
 * An ECR authorization token is base64 of "AWS:<password>", so it always starts with the base64 of
 * "AWS:" ("QVdTO"); caught by shape even when this process never fetched it.
 */
const ECR_TOKEN = /QVdTO[A-Za-z0-9+/]{16,}={0,2}/g

/** Short values would censor ordinary words; real passwords, tokens and keys are far longer. */
const MIN_SECRET_LENGTH = 12
/** Tokens are renewed every few hours; the oldest are forgotten so a long-running daemon stays bounded. */
const MAX_SECRETS = 64

const secrets = new Set<string>()

/**
 * Remembers values (an ECR password and token, AWS keys) to censor from every later log line of this
 * process, in their raw and JSON-escaped forms.
 */
export function hideInLogs(...values: readonly (string | undefined)[]): void {
  for (const value of values) {
    if (value === undefined || value.length < MIN_SECRET_LENGTH) continue
    for (const form of new Set([value, JSON.stringify(value).slice(1, -1)])) {
      secrets.delete(form)
      secrets.add(form)
    }
  }
  for (const oldest of secrets) {
    if (secrets.size <= MAX_SECRETS) break
    secrets.delete(oldest)
  }
}

/** A serialized log line with every known secret and anything shaped like an ECR token censored. */
export function censorSecrets(line: string): string {
  let out = line.replace(ECR_TOKEN, CENSOR)
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.split(secret).join(CENSOR)
  }
  return out
}
