import { randomUUID } from 'node:crypto'
import { appendFileSync } from 'node:fs'
import { ExitCode } from '../../shared/errors.ts'
import { guardedForCi } from '../report/ci-guard.ts'
import type { DeployReport } from '../report/fleet-report.ts'

/** Prints a deploy or rollback report where CI shows it, then turns it into the exit code. */
export async function finishReport(deployReport: DeployReport, json: boolean): Promise<number> {
  const [text, github, { verdictOf }, { jsonLine }, guarded] = await Promise.all([
    import('../report/text.ts'),
    import('../report/github.ts'),
    import('../report/verdict.ts'),
    import('../report/json-text.ts'),
    guardedForCi(),
  ])
  // Clears the live line a terminal shows while waiting.
  const clear = process.stdout.isTTY && !json ? '\r\x1b[K' : ''
  process.stdout.write(
    `${clear}${guarded(`${json ? jsonLine(deployReport) : text.summaryText(deployReport)}\n`)}`,
  )
  if (process.env.GITHUB_ACTIONS === 'true') {
    const { GITHUB_STEP_SUMMARY: summary, GITHUB_OUTPUT: output } = process.env
    if (summary) appendFileSync(summary, github.jobSummary(deployReport))
    if (output) appendFileSync(output, github.outputs(deployReport, `ecr_deploy_${randomUUID()}`))
    for (const line of github.annotations(deployReport)) process.stdout.write(`${line}\n`)
  }
  const failure = verdictOf(deployReport)
  if (failure) throw failure
  return ExitCode.ok
}
