import type { ErrorCode } from './errors.ts'
import type { ReleaseSpecText } from './release.ts'

/*
 * What the agent and the controller both read or write: the agent's command line (the SSM document runs
 * it), its JSON result and status lines (the controller parses them from the SSM output), the Parameter
 * Store names of desired releases, and release ids. Each half imports this file instead of keeping a copy.
 */

/** The agent's executable, as the SSM document calls it. */
export const AGENT_COMMAND = 'ecr-deploy-agent'

/** Release ids are `r1`, `r2`, ... (agent/state/ledger.ts); they travel on command lines and in SSM parameters. */
export const RELEASE_ID_PATTERN = '^r[0-9]{1,9}$'

/** The SSM document's `to` parameter: a release id, or empty for "the previous release". */
export const OPTIONAL_RELEASE_ID_PATTERN = '^(r[0-9]{1,9})?$'

/** Parameter Store prefix: `/ecr-deploy/<service>` holds the digest-pinned image the service should run. */
export const DESIRED_PARAMETER_PREFIX = '/ecr-deploy/'

export function desiredParameterName(service: string): string {
  return `${DESIRED_PARAMETER_PREFIX}${service}`
}

/**
 * `deploy` waits for a running deploy of the same service: SSM commands for one service queue up. A release
 * names one version of the service's release parameter (shared/release.ts), which the agent reads with its
 * instance role; a bare digest-pinned image is for hand use.
 */
export function deployArgv(
  args: { readonly service: string } & ({ readonly image: string } | { readonly release: string }),
): readonly string[] {
  const what = 'release' in args ? ['--release', args.release] : ['--image', args.image]
  return ['deploy', '--service', args.service, ...what, '--wait']
}

/**
 * `pull` fetches a release's digest-pinned image with the instance role and touches no container and no
 * ledger: the controller sends it to the whole fleet before the switch waves, so each wave only switches.
 */
export function pullArgv(
  args: { readonly service: string } & ({ readonly image: string } | { readonly release: string }),
): readonly string[] {
  const what = 'release' in args ? ['--release', args.release] : ['--image', args.image]
  return ['pull', '--service', args.service, ...what]
}

export function rollbackArgv(args: { readonly service: string; readonly to?: string }): readonly string[] {
  return ['rollback', '--service', args.service, ...(args.to === undefined ? [] : ['--to', args.to])]
}

export function statusArgv(args: { readonly service: string }): readonly string[] {
  return ['status', '--service', args.service, '--json']
}

/**
 * `pulled` answers `pull` only. The line keeps the keys of the others, so a controller older than `pull`
 * still parses it (it never sends `pull`, so it never sees one).
 */
export type AgentResultKind = 'deployed' | 'unchanged' | 'rolled-back' | 'pulled' | 'failed'

/** What the controller needs from a result line; also all an agent too old to run the document prints. */
export interface AgentVerdict {
  readonly result: AgentResultKind
  readonly digest: string | null
  readonly previousDigest: string | null
  readonly message: string
  /** A string, not an ErrorCode: a newer agent may send codes this controller does not know. */
  readonly code?: string
}

/**
 * The last stdout line of `deploy`, `rollback` and `pull`, parsed by the controller from the SSM output
 * (which keeps 24,000 characters, so everything above it stays compact).
 */
export interface AgentResultLine extends AgentVerdict {
  readonly service: string
  readonly image: string | null
  readonly durationMs: number
  readonly code?: ErrorCode
}

/** The result line's text; the keys keep one order whoever writes it. */
export function resultLineText(line: AgentResultLine | AgentVerdict): string {
  const full = 'service' in line
  return JSON.stringify({
    result: line.result,
    ...(full ? { service: line.service, image: line.image } : {}),
    digest: line.digest,
    previousDigest: line.previousDigest,
    ...(full ? { durationMs: line.durationMs } : {}),
    message: line.message,
    ...(line.code === undefined ? {} : { code: line.code }),
  })
}

/** The last line of the output that is a JSON object with a `result` field, if any. */
export function parseResultLine(output: string): AgentVerdict | undefined {
  const lines = output.trimEnd().split('\n').reverse()
  for (const line of lines) {
    const text = line.trim()
    if (!text.startsWith('{')) continue
    try {
      const value = JSON.parse(text) as Partial<AgentVerdict>
      if (typeof value.result === 'string') {
        return {
          result: value.result,
          digest: value.digest ?? null,
          previousDigest: value.previousDigest ?? null,
          message: value.message ?? '',
          ...(value.code === undefined ? {} : { code: value.code }),
        }
      }
    } catch {
      // Not the result line: a progress line that happens to start with "{".
    }
  }
  return undefined
}

export type DeployResult = 'deployed' | 'unchanged' | 'rolled-back'

/** One recorded release of a service. */
export interface ReleaseRecord {
  /** Stable id, unique per service (used by `rollback --to`). */
  readonly id: string
  /** Digest-pinned image reference. */
  readonly image: string
  readonly digest: string
  readonly startedAt: string
  readonly finishedAt?: string
  readonly result: DeployResult | 'failed' | 'in-progress'
  readonly durationMs?: number
  readonly message?: string
  /**
   * The release parameter version it was deployed from (`/ecr-deploy/prod/web:7`); absent for a deploy of
   * a bare image (by hand, or from the old layout) and in the answers of agents older than releases.
   */
  readonly release?: string
  /** That release's spec as written, which the agent applied on top of its file's entry. */
  readonly spec?: ReleaseSpecText
}

export interface ServiceStatus {
  readonly service: string
  readonly state: 'running' | 'stopped' | 'missing' | 'not-deployed' | 'deploying'
  readonly healthy: boolean | null
  readonly current?: ReleaseRecord
  readonly previous?: ReleaseRecord
  readonly containerId?: string
  /** The current release's selector (`/ecr-deploy/prod/web:7`), when it was deployed from one. */
  readonly release?: string
}

/** `status --json`: one line, what the controller's `status` reads. */
export interface StatusAnswer {
  readonly services: readonly ServiceStatus[]
}

export function statusLineText(services: readonly ServiceStatus[]): string {
  return JSON.stringify({ services } satisfies StatusAnswer)
}
