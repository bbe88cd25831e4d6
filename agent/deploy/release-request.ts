import type { AgentConfig } from '../../shared/agent-config/types.ts'
import { UsageError } from '../../shared/errors.ts'
import { parseReleaseSelector, type ReleaseSelector, releaseSelectorText } from '../../shared/release.ts'
import { checkReleaseFor, environmentFor, type ReleaseSource } from '../config/release-source.ts'
import type { ReleaseRef } from './deployer.ts'
import { serviceOf } from './prepare.ts'

/** What a deploy of a release hands the deployer: the release's image and the release itself. */
export interface ReleaseDeploy {
  readonly image: string
  readonly release: ReleaseRef
}

/** `--release` as given to a selector, or UsageError naming the form expected. */
export function selectorOf(text: string): ReleaseSelector {
  const selector = parseReleaseSelector(text)
  if (selector === undefined) {
    throw new UsageError(
      `release "${text}" is not a release selector: expected /ecr-deploy/<environment>/<service>:<version>, such as /ecr-deploy/prod/web:7`,
    )
  }
  return selector
}

/**
 * Reads the release an SSM command names, with the instance role, and checks that it is for this
 * instance's environment and the service asked (ReleaseInvalidError otherwise). The policy is the
 * deployer's to check, against the file in force when the deploy starts.
 */
export async function releaseDeploy(
  source: ReleaseSource,
  config: AgentConfig,
  service: string,
  selector: ReleaseSelector,
): Promise<ReleaseDeploy> {
  serviceOf(config, service)
  const expected = { environment: config.environment, service, file: config.file }
  // Before anything is read: an instance of the old layout has no business with releases.
  environmentFor(selector, expected)
  const found = await source.release(selector)
  checkReleaseFor(found, selector, expected)
  return {
    image: found.release.image,
    release: { selector: releaseSelectorText(selector), spec: found.release.spec },
  }
}
