import { type ReleaseSource, releaseOf } from '../../agent/config/release-source.ts'
import { ReleaseInvalidError } from '../../shared/errors.ts'
import {
  type DesiredRelease,
  type ReleaseSelector,
  type ReleaseVersion,
  releaseParameterName,
  releaseSelectorText,
  releaseText,
} from '../../shared/release.ts'

/**
 * Release parameters for tests that do not need the wire: every put is a new version, as in Parameter
 * Store. test/agent/ssm/releases-contract.test.ts holds it to the adapter against the fake SSM.
 */
export class FakeReleases implements ReleaseSource {
  readonly #versions = new Map<string, string[]>()
  /** Every read, as `name` or `name:version`. */
  readonly reads: string[] = []

  /** Writes the record (or any text) as the parameter's next version; returns its selector. */
  put(environment: string, service: string, value: DesiredRelease | string): ReleaseSelector {
    const name = releaseParameterName(environment, service)
    const versions = this.#versions.get(name) ?? []
    versions.push(typeof value === 'string' ? value : releaseText(value))
    this.#versions.set(name, versions)
    return { environment, service, version: versions.length }
  }

  async release(selector: ReleaseSelector): Promise<ReleaseVersion> {
    const text = releaseSelectorText(selector)
    this.reads.push(text)
    const value = this.#versions.get(releaseParameterName(selector.environment, selector.service))?.[
      selector.version - 1
    ]
    if (value === undefined) {
      const reason = this.#versions.has(releaseParameterName(selector.environment, selector.service))
        ? 'ParameterVersionNotFound'
        : 'ParameterNotFound'
      throw new ReleaseInvalidError(
        `release ${text} does not exist (${reason}): Parameter Store keeps the last 100 versions; see \`ecr-deploy history --environment ${selector.environment} --service ${selector.service}\``,
      )
    }
    return releaseOf(selector, value)
  }

  async latest(environment: string, service: string): Promise<ReleaseVersion | undefined> {
    const name = releaseParameterName(environment, service)
    this.reads.push(name)
    const versions = this.#versions.get(name)
    if (versions === undefined) return undefined
    return releaseOf({ environment, service, version: versions.length }, versions.at(-1) ?? '')
  }
}
