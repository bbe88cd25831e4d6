import type { InstanceOutcome } from '../ssm/outcome.js'
import { countsOf, type DeployReport, type PhaseReport } from './fleet-report.js'
import { formatSeconds, shortDigest } from './text.js'

/** Workflow-command data escaping, as the Actions runner defines it. */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C')
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')
}

function table(phase: PhaseReport): string[] {
  const rows = [...phase.outcomes]
    .sort((a, b) => a.instanceId.localeCompare(b.instanceId))
    .map(
      (o: InstanceOutcome) =>
        `| ${o.instanceId} | ${o.result} | \`${shortDigest(o.previousDigest)}\` → \`${shortDigest(o.digest)}\` | ${formatSeconds(o.durationMs)} | ${cell(o.message)} |`,
    )
  const unfinished = phase.unfinished.map((id) => `| ${id} | unfinished | | | no result before the timeout |`)
  return [
    '| instance | status | previous → new | duration | message |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    ...unfinished,
  ]
}

/** Markdown for $GITHUB_STEP_SUMMARY. */
export function jobSummary(report: DeployReport): string {
  const counts = countsOf(report.deploy)
  const lines = [
    `## Deploy ${report.service}`,
    '',
    `Image \`${report.deploy.image}\` (desired release version ${report.parameterVersion}), SSM command ${report.deploy.commandIds.map((id) => `\`${id}\``).join(', ')}: **${counts.succeeded} succeeded, ${counts.unchanged} unchanged, ${counts.failed} failed**.`,
    '',
    ...table(report.deploy),
  ]
  if (report.rollback) {
    const back = countsOf(report.rollback)
    lines.push(
      '',
      `### Rolled back to \`${report.rollback.image}\``,
      '',
      `${back.succeeded + back.unchanged} instance(s) back on the previous release, ${back.failed} failed.`,
      '',
      ...table(report.rollback),
    )
  }
  if (report.rollbackSkipped) lines.push('', `Rollback not sent: ${report.rollbackSkipped}`)
  return `${lines.join('\n')}\n`
}

/** `::error::` annotations, one per failed instance. */
export function annotations(report: DeployReport): string[] {
  return report.deploy.outcomes
    .filter((o) => o.result === 'failed')
    .map(
      (o) =>
        `::error title=${escapeProperty(`${report.service} on ${o.instanceId}`)}::${escapeData(`${o.ssmStatus}: ${o.message}`)}`,
    )
}

/** Lines for $GITHUB_OUTPUT, in the delimiter form so that no value can end the block early. */
export function outputs(report: DeployReport, delimiter: string): string {
  const counts = countsOf(report.deploy)
  const values: Record<string, string> = {
    digest: report.digest,
    'command-id': report.deploy.commandIds.join(','),
    succeeded: String(counts.succeeded + counts.unchanged),
    failed: String(counts.failed),
    'rolled-back': report.rollback ? 'true' : 'false',
  }
  return Object.entries(values)
    .map(([key, value]) => `${key}<<${delimiter}\n${value}\n${delimiter}\n`)
    .join('')
}
