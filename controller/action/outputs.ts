import { countsOf, type DeployReport } from '../report/fleet-report.ts'

/** The outputs action.yml declares; a test holds the two lists equal. */
export const ACTION_OUTPUTS = [
  'digest',
  'release-version',
  'command-id',
  'succeeded',
  'failed',
  'rolled-back',
] as const

export type ActionOutput = (typeof ACTION_OUTPUTS)[number]

/**
 * Output values for `core.setOutput`, the same values the CLI writes to $GITHUB_OUTPUT when it runs in
 * a workflow (report/github.ts); a test compares the two for the same report.
 */
export function outputValues(report: DeployReport): Readonly<Record<ActionOutput, string>> {
  const counts = countsOf(report.deploy)
  return {
    digest: report.digest,
    'release-version': String(report.parameterVersion),
    'command-id': report.deploy.commandIds.join(','),
    succeeded: String(counts.succeeded + counts.unchanged),
    failed: String(counts.failed),
    'rolled-back': report.rollback ? 'true' : 'false',
  }
}
