import { desiredParameterName } from '../shared/agent-contract.ts'
import { UsageError } from '../shared/errors.ts'
import { parseImageRef } from '../shared/image-ref.ts'
import { type DeployDeps, deployRelease } from './deploy.ts'
import type { FleetOptions } from './options.ts'
import type { DeployReport } from './report/fleet-report.ts'
import type { ParameterVersion } from './ssm/fleet-api.ts'

/** Parameter Store keeps this many versions of a parameter and drops the oldest. */
const KEPT_VERSIONS = 100

/**
 * The release to return to, from the desired-release history (Parameter Store versions): `--to` as a version
 * number or a digest, else the newest version whose image differs from the current one.
 */
export function rollbackTarget(history: readonly ParameterVersion[], to?: string): ParameterVersion {
  const byVersion = [...history].sort((a, b) => a.version - b.version)
  const current = byVersion.at(-1)
  if (!current) throw new UsageError('no desired release is recorded for this service: deploy it first')
  if (to === undefined) {
    const earlier = byVersion.reverse().find((entry) => entry.value !== current.value)
    if (!earlier)
      throw new UsageError(
        `every recorded release is ${current.value}: there is nothing earlier to roll back to`,
      )
    return earlier
  }
  const oldest = byVersion[0]?.version ?? current.version
  const range = `${oldest} to ${current.version}`
  if (/^\d+$/.test(to)) {
    const version = Number(to)
    const found = byVersion.find((entry) => entry.version === version)
    if (found) return found
    // Parameter Store drops the oldest of 100 versions: a version below the oldest kept once existed.
    if (version < oldest) {
      throw new UsageError(
        `--to ${to}: version ${to} is gone: Parameter Store keeps the last ${KEPT_VERSIONS} versions of a parameter, and this one now holds ${range}; ` +
          `roll back to one of those, or deploy the image of version ${to} by digest if ECR still has it`,
      )
    }
    throw new UsageError(
      `--to ${to}: no such release; give a version number (${range}) or a recorded sha256 digest`,
    )
  }
  const found = /^sha256:[a-f0-9]{64}$/.test(to)
    ? byVersion.reverse().find((entry) => entry.value.endsWith(`@${to}`))
    : undefined
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
  return found
}

/** A fleet rollback is a deploy of an earlier desired release, so it records, sends and reports the same way. */
export async function rollbackRelease(
  deps: DeployDeps,
  options: FleetOptions,
  to?: string,
): Promise<DeployReport> {
  const history = await deps.fleet.parameterHistory(desiredParameterName(options.service))
  const target = rollbackTarget(history, to)
  return deployRelease(deps, { ...options, image: parseImageRef(target.value), rollbackOnFailure: false })
}
