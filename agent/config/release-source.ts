import { ReleaseInvalidError } from '../../shared/errors.ts'
import {
  parseRelease,
  type ReleaseSelector,
  type ReleaseVersion,
  releaseSelectorText,
} from '../../shared/release.ts'

/**
 * Where releases are read: one version of `/ecr-deploy/<environment>/<service>` by selector (what an SSM
 * command names), or the newest (what the desired-state job follows). Parameter Store on EC2; tests pass a
 * hand-written fake.
 */
export interface ReleaseSource {
  /** That version. Throws ReleaseInvalidError when it does not exist or holds no release record. */
  release(selector: ReleaseSelector): Promise<ReleaseVersion>
  /** The newest version, or undefined when the parameter does not exist (not migrated yet). */
  latest(environment: string, service: string): Promise<ReleaseVersion | undefined>
}

/** A stored value to a release, or ReleaseInvalidError naming the parameter, the version and the key at fault. */
export function releaseOf(selector: ReleaseSelector, text: string): ReleaseVersion {
  const parsed = parseRelease(text)
  if (!parsed.ok) {
    throw new ReleaseInvalidError(
      `release ${releaseSelectorText(selector)} is not a release record: ${parsed.problem}; write it with \`ecr-deploy deploy --environment ${selector.environment} --service ${selector.service}\``,
    )
  }
  return { version: selector.version, release: parsed.release }
}

interface Expected {
  readonly environment: string | undefined
  readonly service: string
  readonly file: string
}

/** The instance's environment; a file that names none (the old layout) cannot take releases. */
export function environmentFor(selector: ReleaseSelector, expected: Expected): string {
  if (expected.environment === undefined) {
    throw new ReleaseInvalidError(
      `release ${releaseSelectorText(selector)}: ${expected.file} names no environment; add \`environment: ${selector.environment}\` to it (and reload the agent) before deploying releases`,
    )
  }
  return expected.environment
}

/**
 * The release must be for the environment and service it is applied to: a record copied into the wrong
 * parameter must not deploy. Throws ReleaseInvalidError naming both.
 */
export function checkReleaseFor(found: ReleaseVersion, selector: ReleaseSelector, expected: Expected): void {
  const where = `release ${releaseSelectorText(selector)}`
  const environment = environmentFor(selector, expected)
  if (selector.environment !== environment) {
    throw new ReleaseInvalidError(
      `${where} is for environment "${selector.environment}", but ${expected.file} says this instance is in "${environment}"; nothing was changed`,
    )
  }
  if (selector.service !== expected.service) {
    throw new ReleaseInvalidError(
      `${where} is for service "${selector.service}", not "${expected.service}"; nothing was changed`,
    )
  }
  const { release } = found
  if (release.environment !== selector.environment || release.service !== selector.service) {
    throw new ReleaseInvalidError(
      `${where} holds a release of service "${release.service}" in environment "${release.environment}"; a release lives only in its own parameter; nothing was changed`,
    )
  }
}
