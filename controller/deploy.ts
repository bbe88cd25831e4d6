import { InternalError } from '../shared/errors.ts'
import { formatImageRef } from '../shared/image-ref.ts'
import { type DesiredRelease, RELEASE_FORMAT, stableVersionOf } from '../shared/release.ts'
import type { DeployOptions, ReleaseOptions } from './options.ts'
import type { RegistryDeps } from './registry-deps.ts'
import { latestRelease, releaseAt } from './release-store.ts'
import type { DeployReport } from './report/fleet-report.ts'
import { requireAvailable, tagDeployed, unavailable } from './retention.ts'
import { type DeployDeps, rollOut } from './rollout.ts'

export type { DeployDeps } from './rollout.ts'

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
export async function deployRelease(
  deps: DeployDeps & RegistryDeps,
  options: DeployOptions,
): Promise<DeployReport> {
  const resolved = await deps.registry.resolve(options.image)
  await requireAvailable(deps, resolved, 'deploy')
  await scanGate(deps, options, resolved)
  const image = formatImageRef(resolved)
  const stable = await currentStable(deps, options.environment, options.service)
  if (stable !== undefined) {
    // A failed deploy sends the stable release back: say so now when its image could not be pulled.
    const why = await unavailable(deps, stable.release.image)
    if (why !== undefined) {
      deps.note?.(`warning: if this deploy fails, version ${stable.version} cannot be restored: ${why}`)
    }
  }
  const spec = options.spec ?? stable?.release.spec ?? {}
  const release = newRelease(options, { image, spec }, stable, deps.clock.now())
  return afterStable(deps, options, await rollOut(deps, options, release, stable), image)
}

/** The step after a stable mark: tag the digest `deployed-...` so that no lifecycle rule expires it. */
export async function afterStable(
  deps: DeployDeps & RegistryDeps,
  options: ReleaseOptions,
  report: DeployReport,
  image: string,
): Promise<DeployReport> {
  if (report.state !== 'stable') return report
  const note = await tagDeployed(deps, options, image, report.stateVersion)
  if (note !== undefined) deps.note?.(note)
  return report
}

/** The scan gate, when --max-severity asks for it: before anything is written. */
async function scanGate(
  deps: DeployDeps & RegistryDeps,
  options: DeployOptions,
  resolved: Parameters<NonNullable<RegistryDeps['scans']>['report']>[0],
): Promise<void> {
  if (options.scanGate === undefined) return
  if (deps.scans === undefined)
    throw new InternalError('--max-severity was given but no scan reader was set up')
  const { passScanGate } = await import('./scan-gate.ts')
  deps.note?.(await passScanGate(deps.scans, deps.clock, resolved, options.scanGate))
}
