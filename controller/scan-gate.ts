import { ScanRefusedError } from '../shared/errors.ts'
import { formatImageRef, type ImageRef } from '../shared/image-ref.ts'
import type { ScanFinding, ScanFindings, ScanReport } from './ecr/scan-findings.ts'
import { findingText } from './report/finding-text.ts'

/*
 * The scan gate of `deploy --max-severity`: the resolved digest's findings are read before anything is
 * written, and the deploy stops when any is at or above the level. Pure decision ({@link judgeScan}) and a
 * small wait around it ({@link passScanGate}) with the clock passed in.
 */

export type GateSeverity = 'HIGH' | 'CRITICAL'

export interface ScanGateOptions {
  readonly maxSeverity: GateSeverity
  readonly timeoutSeconds: number
  readonly allowUnscanned: boolean
}

/** Severities of basic (UNDEFINED) and enhanced (UNTRIAGED) scanning, lowest first. */
const RANK: Readonly<Record<string, number>> = {
  INFORMATIONAL: 0,
  UNDEFINED: 0,
  UNTRIAGED: 0,
  LOW: 1,
  MEDIUM: 2,
  HIGH: 3,
  CRITICAL: 4,
}

/** The statuses of a scan that is still going: wait for it. */
const RUNNING = new Set(['IN_PROGRESS', 'PENDING'])
/** The statuses whose findings are final: COMPLETE for basic scanning, ACTIVE for enhanced (continuous). */
const DONE = new Set(['COMPLETE', 'ACTIVE'])

/** Findings listed in a refusal; the rest are counted. */
const LISTED = 20

export type ScanDecision =
  | { readonly kind: 'pass'; readonly note: string }
  | { readonly kind: 'wait'; readonly why: string }
  | { readonly kind: 'refuse'; readonly error: ScanRefusedError }

function line(finding: ScanFinding): string {
  const pkg = finding.packageName === undefined ? '' : ` in ${findingText(finding.packageName)}`
  return `  ${finding.severity} ${findingText(finding.title)}${pkg}`
}

/** What the gate does with one report of the image's scan. */
export function judgeScan(report: ScanReport, image: string, options: ScanGateOptions): ScanDecision {
  const unscanned = (why: string): ScanDecision =>
    options.allowUnscanned
      ? { kind: 'pass', note: `${image}: ${why}; deploying anyway (--allow-unscanned)` }
      : {
          kind: 'refuse',
          error: new ScanRefusedError(
            `${image}: ${why}; --max-severity ${options.maxSeverity} needs a finished scan: turn on scan on push or start one (aws ecr start-image-scan), or give --allow-unscanned`,
          ),
        }
  if (report.kind === 'none') return unscanned('ECR has no scan of this image')
  const status = report.status || 'no status'
  if (RUNNING.has(report.status)) return { kind: 'wait', why: `the scan is ${status}` }
  if (!DONE.has(report.status)) {
    const detail = report.description ? ` (${findingText(report.description)})` : ''
    return unscanned(`the scan ended ${status}${detail}`)
  }
  // Enhanced scanning can say COMPLETE or ACTIVE before Inspector's findings arrive; they have arrived
  // once ECR gives the time the scan completed.
  if (report.completedAt === undefined)
    return { kind: 'wait', why: `the scan is ${status} but its findings have not arrived` }
  const level = RANK[options.maxSeverity] ?? 0
  const blocking = report.findings
    .filter((finding) => (RANK[finding.severity] ?? 0) >= level)
    .sort((a, b) => (RANK[b.severity] ?? 0) - (RANK[a.severity] ?? 0))
  if (blocking.length === 0) {
    return {
      kind: 'pass',
      note: `${image}: no finding at or above ${options.maxSeverity} (${report.findings.length} finding(s) below it)`,
    }
  }
  const more = blocking.length > LISTED ? [`  and ${blocking.length - LISTED} more`] : []
  return {
    kind: 'refuse',
    error: new ScanRefusedError(
      [
        `${image} has ${blocking.length} finding(s) at or above ${options.maxSeverity}; nothing was deployed:`,
        ...blocking.slice(0, LISTED).map(line),
        ...more,
      ].join('\n'),
    ),
  }
}

/** How often a running scan is looked at again. */
export const SCAN_POLL_MS = 5000

export interface GateClock {
  now(): number
  sleep(ms: number): Promise<void>
}

/**
 * Reads the scan until it is decided, waiting for a running one up to --scan-timeout; returns the note to
 * print, or throws ScanRefusedError.
 */
export async function passScanGate(
  scans: ScanFindings,
  clock: GateClock,
  image: ImageRef,
  options: ScanGateOptions,
): Promise<string> {
  const name = formatImageRef(image)
  const deadline = clock.now() + options.timeoutSeconds * 1000
  for (;;) {
    const decision = judgeScan(await scans.report(image), name, options)
    if (decision.kind === 'pass') return decision.note
    if (decision.kind === 'refuse') throw decision.error
    const left = deadline - clock.now()
    if (left <= 0) {
      throw new ScanRefusedError(
        `${name}: ${decision.why} after ${options.timeoutSeconds} s (--scan-timeout); nothing was deployed: wait for the scan and deploy again, or raise --scan-timeout`,
      )
    }
    await clock.sleep(Math.min(SCAN_POLL_MS, left))
  }
}
