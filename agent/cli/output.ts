import type { AgentResultLine, ReleaseRecord, ServiceStatus } from '../../shared/agent-contract.ts'
import type { DeployToolError } from '../../shared/errors.ts'
import type { ProgressLine, ResultLine } from '../api/protocol.ts'

/** The result line's message is cut so that the line always fits in what SSM keeps. */
export const MESSAGE_LIMIT = 2_000

export function summaryOfResult(line: ResultLine): AgentResultLine {
  return {
    result: line.result,
    service: line.service,
    image: line.image,
    digest: line.digest,
    previousDigest: line.previousDigest,
    durationMs: line.durationMs,
    message: clipMessage(line.message),
  }
}

/** A failed deploy whose new release failed its health check was rolled back: the controller counts it apart. */
export function summaryOfFailure(
  error: DeployToolError,
  service: string,
  image: string | null,
  durationMs: number,
): AgentResultLine {
  return {
    result: error.code === 'E_HEALTH_FAILED' ? 'rolled-back' : 'failed',
    service,
    image,
    digest: null,
    previousDigest: null,
    durationMs,
    message: clipMessage(error.message),
    code: error.code,
  }
}

function clipMessage(message: string): string {
  return message.length <= MESSAGE_LIMIT ? message : `${message.slice(0, MESSAGE_LIMIT - 3)}...`
}

/** `[  2.1s] pull: pulling ...`; the elapsed time is from the start of the command. */
export function formatProgress(line: ProgressLine, elapsedMs: number): string {
  return `[${(elapsedMs / 1000).toFixed(1).padStart(5)}s] ${line.phase}: ${line.message}`
}

const shortDigest = (digest: string | undefined): string => (digest ? digest.slice(0, 19) : '-')

export function formatStatusTable(services: readonly ServiceStatus[]): string {
  const rows = services.map((s) => [
    s.service,
    s.state,
    s.healthy === null ? '-' : s.healthy ? 'yes' : 'no',
    s.current?.id ?? '-',
    shortDigest(s.current?.digest),
    s.current?.image.split('@')[0]?.split('/').slice(1).join('/') ?? '-',
  ])
  return table(['SERVICE', 'STATE', 'HEALTHY', 'RELEASE', 'DIGEST', 'REPOSITORY'], rows)
}

export function formatHistoryTable(releases: readonly ReleaseRecord[]): string {
  const rows = releases.map((r) => [
    r.id,
    r.result,
    r.startedAt,
    r.durationMs === undefined ? '-' : `${(r.durationMs / 1000).toFixed(1)}s`,
    shortDigest(r.digest),
    r.message ?? '',
  ])
  return table(['RELEASE', 'RESULT', 'STARTED', 'DURATION', 'DIGEST', 'MESSAGE'], rows)
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]?.length ?? 0)))
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd()
  return [line(header), ...rows.map(line)].join('\n')
}
