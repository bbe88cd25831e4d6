import type { ImageRetention } from './ecr/retention.ts'
import type { ScanFindings } from './ecr/scan-findings.ts'

/**
 * What a deploy or a rollback asks of ECR besides resolving the tag: the scan gate's findings, whether an
 * image can still be pulled, and the `deployed-` tags that keep it from expiring. Optional, so
 * that a use case given none (a test of the rollout) skips those steps; the entry points give all of them.
 */
export interface RegistryDeps {
  readonly scans?: ScanFindings
  readonly retention?: ImageRetention
  /** Where a note or a warning of these steps is printed (stderr in the CLI). */
  readonly note?: (text: string) => void
}
