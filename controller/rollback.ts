import { ReleaseInvalidError, UsageError } from '../shared/errors.ts'
import { type ReleaseVersion, releaseParameterName, stableVersionOf } from '../shared/release.ts'
import { afterStable, type DeployDeps, newRelease } from './deploy.ts'
import type { ReleaseOptions } from './options.ts'
import type { RegistryDeps } from './registry-deps.ts'
import { type HistoryEntry, releaseHistory } from './release-store.ts'
import type { DeployReport } from './report/fleet-report.ts'
import { requireAvailable } from './retention.ts'
import { rollOut } from './rollout.ts'
import type { RolloutOptions } from './waves.ts'

/** Parameter Store keeps this many versions of a parameter and drops the oldest. */
const KEPT_VERSIONS = 100

function release(entry: HistoryEntry, name: string): ReleaseVersion {
  if ('problem' in entry) {
    throw new ReleaseInvalidError(`${name}:${entry.version} is not a release record: ${entry.problem}`)
  }
  return entry
}

/**
 * The release to re-apply, from the parameter's history: `--to` as a version number or a digest, else the
 * stable release that the current stable one replaced.
 */
export function rollbackTarget(history: readonly HistoryEntry[], name: string, to?: string): ReleaseVersion {
  const byVersion = [...history].sort((a, b) => a.version - b.version)
  const current = byVersion.at(-1)
  if (!current) throw new UsageError(`no release is recorded in ${name}: deploy the service first`)
  const oldest = byVersion[0]?.version ?? current.version
  const range = `${oldest} to ${current.version}`
  const at = (version: number) => byVersion.find((entry) => entry.version === version)
  if (to === undefined) {
    const latest = release(current, name)
    const stableVersion = stableVersionOf(latest)
    const stable = stableVersion === undefined ? undefined : at(stableVersion)
    if (stable === undefined) {
      throw new UsageError(
        `${name} has no stable release yet (version ${current.version} is ${latest.release.state}): there is nothing to roll back from`,
      )
    }
    const previous = release(stable, name).release.replaces?.version
    if (previous === undefined) {
      throw new UsageError(
        `version ${stable.version} of ${name} is the first stable release: there is nothing earlier to roll back to`,
      )
    }
    return byVersionOrGone(previous, `the release version ${stable.version} replaced`)
  }
  if (/^\d+$/.test(to)) return byVersionOrGone(Number(to), `--to ${to}`)
  // The newest stable version with that digest; else the newest in any state.
  const withDigest = /^sha256:[a-f0-9]{64}$/.test(to)
    ? byVersion.reverse().filter((entry) => 'release' in entry && entry.release.image.endsWith(`@${to}`))
    : []
  const found =
    withDigest.find((entry) => 'release' in entry && entry.release.state === 'stable') ?? withDigest[0]
  if (!found) {
    const aged =
      byVersion.length >= KEPT_VERSIONS
        ? `; Parameter Store keeps the last ${KEPT_VERSIONS} versions (${range}), so an older one may have aged out`
        : ''
    throw new UsageError(
      /^sha256:/.test(to)
        ? `--to ${to}: no recorded release has that digest${aged}`
        : `--to ${to}: no such release; give a version number (${range}) or a recorded sha256 digest`,
    )
  }
  return release(found, name)

  function byVersionOrGone(version: number, what: string): ReleaseVersion {
    const found = at(version)
    if (found) return release(found, name)
    // Parameter Store drops the oldest of 100 versions: a version below the oldest kept once existed.
    if (version < oldest) {
      throw new UsageError(
        `${what}: version ${version} is gone: Parameter Store keeps the last ${KEPT_VERSIONS} versions of a parameter, and this one now holds ${range}; ` +
          `roll back to one of those, or deploy the image of version ${version} by digest if ECR still has it`,
      )
    }
    throw new UsageError(
      `${what}: no such release; give a version number (${range}) or a recorded sha256 digest`,
    )
  }
}

/**
 * A rollback is a deploy of an earlier release: version K's image and spec written again as a new rolling
 * version with `restores: K`, sent, and marked stable or aborted the same way.
 */
export async function rollbackRelease(
  deps: DeployDeps & RegistryDeps,
  options: ReleaseOptions & { readonly rollout?: RolloutOptions },
  to?: string,
): Promise<DeployReport> {
  const name = releaseParameterName(options.environment, options.service)
  const history = await releaseHistory(deps.fleet, options.environment, options.service)
  const target = rollbackTarget(history, name, to)
  await requireAvailable(deps, target.release.image, `rollback to version ${target.version} of ${name}`)
  const [latest] = history
  const stableVersion = latest === undefined ? undefined : stableVersionOf(release(latest, name))
  const stableEntry = history.find((entry) => entry.version === stableVersion)
  const stable = stableEntry === undefined ? undefined : release(stableEntry, name)
  const content = { image: target.release.image, spec: target.release.spec, restores: target.version }
  const again = newRelease(options, content, stable, deps.clock.now())
  return afterStable(deps, options, await rollOut(deps, options, again, stable), again.image)
}
