import { formatImageRef } from '../shared/image-ref.js'
import { type DesiredRelease, RELEASE_FORMAT, stableVersionOf } from '../shared/release.js'
import type { DeployOptions, ReleaseOptions } from './options.js'
import { latestRelease, releaseAt } from './release-store.js'
import type { DeployReport } from './report/fleet-report.js'
import { type DeployDeps, rollOut } from './rollout.js'

export type { DeployDeps } from './rollout.js'

/** The stable release the parameter stands on now, read in full (its image and spec); undefined before any. */
export async function currentStable(deps: Pick<DeployDeps, 'fleet'>, environment: string, service: string) {
  const latest = await latestRelease(deps.fleet, environment, service)
  const version = latest === undefined ? undefined : stableVersionOf(latest)
  if (latest === undefined || version === undefined) return undefined
  return version === latest.version ? latest : releaseAt(deps.fleet, environment, service, version)
}

/** A new rolling record that replaces `stable`; `when` stamps its origin. */
export function newRelease(
  options: ReleaseOptions,
  content: Pick<DesiredRelease, 'image' | 'spec'> & { readonly restores?: number },
  stable: { readonly version: number; readonly release: DesiredRelease } | undefined,
  when: number,
): DesiredRelease {
  return {
    format: RELEASE_FORMAT,
    environment: options.environment,
    service: options.service,
    image: content.image,
    spec: content.spec,
    state: 'rolling',
    ...(stable === undefined ? {} : { replaces: { version: stable.version, image: stable.release.image } }),
    ...(content.restores === undefined ? {} : { restores: content.restores }),
    origin: { ...options.origin, createdAt: new Date(when).toISOString() },
  }
}

/**
 * Resolve, record, send, wait, mark: the deploy use case. It never loops over instances itself: SSM targets
 * them and rolls through them under MaxConcurrency and MaxErrors. Without --spec the stable release's spec
 * is carried over, so an image-only deploy keeps the configuration. Returns the report; the CLI turns it
 * into an exit code.
 */
export async function deployRelease(deps: DeployDeps, options: DeployOptions): Promise<DeployReport> {
  const image = formatImageRef(await deps.registry.resolve(options.image))
  const stable = await currentStable(deps, options.environment, options.service)
  const spec = options.spec ?? stable?.release.spec ?? {}
  const release = newRelease(options, { image, spec }, stable, deps.clock.now())
  return rollOut(deps, options, release, stable)
}
