import { ReleaseInvalidError } from '../shared/errors.ts'
import {
  type DesiredRelease,
  desiredReleaseSchema,
  parseRelease,
  RELEASE_TEXT_LIMIT,
  type ReleaseVersion,
  releaseParameterName,
  releaseSelectorText,
  releaseText,
} from '../shared/release.ts'
import type { FleetApi, ParameterVersion } from './ssm/fleet-api.ts'

/*
 * The controller's releases in Parameter Store, through the fleet port: one parameter per environment and
 * service, each write a new version. What a parameter holds is data: a version that is not a release record
 * is an error naming the version, never guessed at.
 */

/** One version of the parameter as read back: a release, or the problem that makes it unreadable. */
export type HistoryEntry =
  | { readonly version: number; readonly release: DesiredRelease }
  | { readonly version: number; readonly problem: string }

export function historyEntry(entry: ParameterVersion): HistoryEntry {
  const parsed = parseRelease(entry.value)
  return parsed.ok
    ? { version: entry.version, release: parsed.release }
    : { version: entry.version, problem: parsed.problem }
}

function readable(name: string, entry: ParameterVersion): ReleaseVersion {
  const read = historyEntry(entry)
  if ('problem' in read) {
    throw new ReleaseInvalidError(
      `${name}:${entry.version} is not a release record: ${read.problem}; ecr-deploy history lists its versions, and if it was written by hand, delete the parameter to start its history again`,
    )
  }
  return read
}

/** The newest version of the service's release parameter; undefined before its first deploy. */
export async function latestRelease(
  fleet: FleetApi,
  environment: string,
  service: string,
): Promise<ReleaseVersion | undefined> {
  const name = releaseParameterName(environment, service)
  const latest = await fleet.getParameter(name)
  return latest === undefined ? undefined : readable(name, latest)
}

/** One version, which must exist: the caller found it named by another version or by the history. */
export async function releaseAt(
  fleet: FleetApi,
  environment: string,
  service: string,
  version: number,
): Promise<ReleaseVersion> {
  const name = releaseParameterName(environment, service)
  const found = await fleet.getParameterVersion(name, version)
  if (found === undefined) {
    throw new ReleaseInvalidError(
      `${name}:${version} is gone: Parameter Store keeps the last 100 versions of a parameter; deploy an image to write a new stable release`,
    )
  }
  return readable(name, found)
}

/** Every version Parameter Store still keeps, newest first. */
export async function releaseHistory(
  fleet: FleetApi,
  environment: string,
  service: string,
): Promise<readonly HistoryEntry[]> {
  const versions = await fleet.parameterHistory(releaseParameterName(environment, service))
  return [...versions].sort((a, b) => b.version - a.version).map(historyEntry)
}

/**
 * The record's stored text, checked before anything is written: against the schema the agent reads it
 * with, and against the 4 KB a standard-tier parameter holds.
 */
export function checkedReleaseText(release: DesiredRelease): string {
  const checked = desiredReleaseSchema.safeParse(release)
  if (!checked.success) {
    const [issue] = checked.error.issues
    throw new ReleaseInvalidError(
      `the release for ${release.environment}/${release.service} is invalid at ${issue?.path.join('.') || '(top level)'}: ${issue?.message ?? 'invalid'}`,
    )
  }
  const text = releaseText(release)
  const bytes = Buffer.byteLength(text)
  if (bytes > RELEASE_TEXT_LIMIT) {
    throw new ReleaseInvalidError(
      `the release for ${release.environment}/${release.service} is ${bytes} bytes of JSON; a standard Parameter Store parameter holds ${RELEASE_TEXT_LIMIT}: shorten the spec (env values, command), or read long values from parameters with envFromParameters`,
    )
  }
  return text
}

/** Writes the record as the parameter's next version and returns that version's selector and number. */
export async function writeRelease(
  fleet: FleetApi,
  release: DesiredRelease,
): Promise<{ readonly version: number; readonly selector: string }> {
  const text = checkedReleaseText(release)
  const version = await fleet.putParameter(releaseParameterName(release.environment, release.service), text)
  return { version, selector: releaseSelectorText({ ...release, version }) }
}
