import { ReleaseInvalidError } from '../../shared/errors.js'
import {
  parseRelease,
  type ReleaseSelector,
  type ReleaseVersion,
  releaseSelectorText,
} from '../../shared/release.js'

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

/**
 * The release must be for the environment and service it is applied to: a record copied into the wrong
 * parameter must not deploy. Throws ReleaseInvalidError naming both.
 */
export function checkReleaseFor(
  found: ReleaseVersion,
  selector: ReleaseSelector,
  expected: { readonly environment: string | undefined; readonly service: string; readonly file: string },
): void {
  const where = `release ${releaseSelectorText(selector)}`
  if (expected.environment === undefined) {
    throw new ReleaseInvalidError(
      `${where}: ${expected.file} names no environment; add \`environment: ${selector.environment}\` to it (and reload the agent) before deploying releases`,
    )
  }
  if (selector.environment !== expected.environment || found.release.environment !== expected.environment) {
    throw new ReleaseInvalidError(
      `${where} is for environment "${found.release.environment}", but ${expected.file} says this instance is in "${expected.environment}"; nothing was changed`,
    )
  }
  if (selector.service !== expected.service || found.release.service !== expected.service) {
    throw new ReleaseInvalidError(
      `${where} is for service "${found.release.service}", not "${expected.service}"; nothing was changed`,
    )
  }
}
