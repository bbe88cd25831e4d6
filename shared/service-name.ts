import { UsageError } from './errors.ts'

/**
 * Service names travel through SSM parameters onto a shell command line and into container names,
 * so they are restricted to what is safe in all three. The SSM document uses this same pattern.
 */
export const SERVICE_NAME_PATTERN = '^[a-z0-9][a-z0-9-]{0,62}$'
const SERVICE_NAME = new RegExp(SERVICE_NAME_PATTERN)

export function assertServiceName(name: string): string {
  if (!SERVICE_NAME.test(name)) {
    throw new UsageError(
      `service name "${name}" is invalid: use 1 to 63 lowercase letters, digits or '-', starting with a letter or digit`,
    )
  }
  return name
}
