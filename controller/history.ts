import { type HistoryEntry, releaseHistory } from './release-store.ts'
import { shortDigest, shown } from './report/text.ts'
import type { FleetApi } from './ssm/fleet-api.ts'

/*
 * `ecr-deploy history`: the versions of a release parameter, newest first. What a parameter holds was written
 * by whoever could write it: every field is data, shown through the terminal's guards, and a version that
 * is not a release record is listed with its problem instead of being read.
 */

export interface ReleaseHistory {
  readonly environment: string
  readonly service: string
  readonly versions: readonly HistoryEntry[]
}

export async function serviceHistory(
  fleet: FleetApi,
  environment: string,
  service: string,
): Promise<ReleaseHistory> {
  return { environment, service, versions: await releaseHistory(fleet, environment, service) }
}

function entryLine(entry: HistoryEntry): string {
  const version = String(entry.version).padStart(4)
  if ('problem' in entry) return `${version}  unreadable  ${shown(entry.problem)}`
  const { release } = entry
  const digest = shortDigest(release.image.split('@')[1])
  const links = [
    release.replaces === undefined ? undefined : `replaces ${release.replaces.version}`,
    release.restores === undefined ? undefined : `restores ${release.restores}`,
  ].filter((part) => part !== undefined)
  return [
    version,
    release.state.padEnd(7),
    digest,
    shown(release.origin.createdAt),
    shown(release.origin.actor),
    ...(links.length === 0 ? [] : [links.join(', ')]),
    ...(release.origin.runUrl === undefined ? [] : [shown(release.origin.runUrl)]),
  ].join('  ')
}

/** The history for a terminal or a CI log. */
export function historyText(history: ReleaseHistory): string {
  const name = `/ecr-deploy/${history.environment}/${history.service}`
  if (history.versions.length === 0) return `${name}: no release is recorded`
  return [
    `${name}: ${history.versions.length} version(s), newest first`,
    'version  state  digest  created  actor  replaces/restores  run',
    ...history.versions.map(entryLine),
  ].join('\n')
}
