import type { ProgressEvent, PullOutcome, PullRequest } from './deployer.ts'
import type { DeployerDeps } from './deps.ts'
import { pullImage, resolveImage, serviceOf, validateRequest } from './prepare.ts'
import { requestedService } from './release-config.ts'

/*
 * A pull readies an instance for a release without changing what it runs: the same checks as a deploy
 * (the service is configured, the release is within the file's policy, the image is the service's
 * repository), then the image is fetched with the instance role. No container, ledger or proxy route is
 * touched, and no service lock is taken: a pull may run beside a deploy of the same service.
 */
export async function pullRelease(deps: DeployerDeps, request: PullRequest): Promise<PullOutcome> {
  const config = deps.config()
  const entry = serviceOf(config, request.service)
  // A release the policy refuses would be refused by the deploy too: say so now, before any wave.
  requestedService(entry, config.file, request.image, request.release)
  const { ref } = validateRequest(config, request.service, request.image)
  const startedAt = deps.clock.now()
  const progress = (phase: ProgressEvent['phase'], message: string): void => {
    deps.logger.info({ service: entry.name, phase }, message)
    request.onProgress?.({ service: entry.name, phase, message })
  }
  const what = request.release ? `release ${request.release.selector}: ` : ''
  progress('resolve', `resolving ${what}${request.image}`)
  const target = await resolveImage(deps, ref, (line) => progress('pull', line))
  // A tag was pulled to resolve it; a digest already local needs nothing more.
  const wasLocal = target.local && ref.digest !== undefined
  if (!target.local) await pullImage(deps, target.image, (line) => progress('pull', line))
  const message = wasLocal
    ? `${target.image} is already on this instance; nothing was pulled`
    : `pulled ${target.image}; no container was changed`
  progress('done', message)
  return {
    service: entry.name,
    result: 'pulled',
    image: target.image,
    digest: target.digest,
    durationMs: deps.clock.now() - startedAt,
    message,
  }
}
