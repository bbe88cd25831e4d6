import type { Logger } from 'pino'
import { effectiveService } from '../../shared/agent-config/policy.ts'
import type { ServiceConfig } from '../../shared/agent-config/types.ts'
import { DeployToolError } from '../../shared/errors.ts'
import { releaseSpecSchema } from '../../shared/release.ts'
import type { ReleaseRecord } from '../state/ledger.ts'
import type { ReleaseRef } from './deployer.ts'

/*
 * A release runs the file's entry with its spec on top. The ledger keeps each release's spec as written,
 * so that a restore, a rollback or a reconcile re-creates a release as it was deployed, checked against the
 * file as it is now.
 */

/** The service as a requested release runs it; throws PolicyRefusedError before anything changes. */
export function requestedService(
  service: ServiceConfig,
  file: string,
  image: string,
  release: ReleaseRef | undefined,
): ServiceConfig {
  if (release === undefined) return service
  return effectiveService(service, file, {
    source: `release ${release.selector}`,
    image,
    spec: releaseSpecSchema.parse(release.spec),
  })
}

/**
 * The service as a recorded release runs it. A spec the file no longer allows (the file was narrowed
 * since) falls back to the file's entry alone, with a warning: the file is always within its own policy,
 * and a service down for want of a restore is worse.
 */
export function recordedService(
  service: ServiceConfig,
  file: string,
  record: ReleaseRecord | undefined,
  logger?: Pick<Logger, 'warn'>,
): ServiceConfig {
  if (record?.spec === undefined) return service
  const spec = releaseSpecSchema.safeParse(record.spec)
  try {
    if (!spec.success) throw new Error(`its recorded spec is unreadable (${spec.error.issues[0]?.message})`)
    return effectiveService(service, file, {
      source: `release ${record.release ?? record.id}`,
      image: record.image,
      spec: spec.data,
    })
  } catch (error) {
    const reason = error instanceof DeployToolError || error instanceof Error ? error.message : String(error)
    logger?.warn(
      { service: service.name, release: record.id },
      `${service.name}: release ${record.id} runs with the entry of ${file} alone: ${reason}`,
    )
    return service
  }
}

/** The fields a ledger record keeps of the release it came from. */
export function recordedRef(release: ReleaseRef | undefined): Pick<ReleaseRecord, 'release' | 'spec'> {
  return release === undefined ? {} : { release: release.selector, spec: release.spec }
}
