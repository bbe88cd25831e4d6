import { desiredParameterName } from '../shared/agent-contract.js'
import { UsageError } from '../shared/errors.js'
import { parseImageRef } from '../shared/image-ref.js'
import { type DeployDeps, deployRelease } from './deploy.js'
import type { FleetOptions } from './options.js'
import type { DeployReport } from './report/fleet-report.js'
import type { ParameterVersion } from './ssm/fleet-api.js'

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
  const found = /^\d+$/.test(to)
    ? byVersion.find((entry) => entry.version === Number(to))
    : /^sha256:[a-f0-9]{64}$/.test(to)
      ? byVersion.reverse().find((entry) => entry.value.endsWith(`@${to}`))
      : undefined
  if (!found) {
    const versions = byVersion.map((entry) => entry.version).join(', ')
    throw new UsageError(
      `--to ${to}: no such release; give a version number (${versions}) or a recorded sha256 digest`,
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
