import { terminalLines } from '../../shared/terminal-text.ts'
import type { InstanceOutcome } from '../ssm/outcome.ts'
import { countsOf, type DeployReport, type PhaseReport } from './fleet-report.ts'
import { codeSpan, collapsedBlock } from './markdown-text.ts'
import { formatSeconds, shortDigest, stateLine } from './text.ts'
import { escapeData, escapeProperty, neutraliseCommands } from './workflow-commands.ts'

export { commandsStopped, escapeData } from './workflow-commands.ts'

function cell(untrusted: string): string {
  return codeSpan(untrusted, true)
}

function table(phase: PhaseReport): string[] {
  const rows = [...phase.outcomes]
    .sort((a, b) => a.instanceId.localeCompare(b.instanceId))
    .map(
      (o: InstanceOutcome) =>
        `| ${cell(o.instanceId)} | ${o.result} | ${codeSpan(shortDigest(o.previousDigest))} → ${codeSpan(shortDigest(o.digest))} | ${formatSeconds(o.durationMs)} | ${cell(o.message)} |`,
    )
  const unfinished = phase.unfinished.map(
    (id) => `| ${cell(id)} | unfinished | | | no result before the timeout |`,
  )
  if (phase.unlisted > 0) {
    unfinished.push(
      `| (${phase.unlisted} more) | unfinished | | | SSM counted them among the targets but never listed them |`,
    )
  }
  return [
    '| instance | status | previous → new | duration | message |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    ...unfinished,
  ]
}

/** The last lines of each failed instance's output, collapsed, as they came. */
function tails(phase: PhaseReport): string[] {
  return phase.outcomes
    .filter((o) => o.result === 'failed' && o.outputTail)
    .flatMap((o) => ['', collapsedBlock(`${o.instanceId}: last lines of output`, o.outputTail ?? '')])
}

/** Markdown for $GITHUB_STEP_SUMMARY; everything an instance or the fleet reported is shown as code. */
export function jobSummary(report: DeployReport): string {
  const counts = countsOf(report.deploy)
  const pulled = report.prepull ? pullSummary(report.prepull) : []
  if (report.pullFailure !== undefined) {
    const lines = [
      `## Deploy ${report.service}`,
      '',
      ...pulled,
      '',
      `No instance switched: ${report.pullFailure}.`,
    ]
    return `${[...lines, '', `${stateLine(report)}.`].join('\n')}\n`
  }
  const lines = [
    `## Deploy ${report.service}`,
    '',
    ...(pulled.length > 0 ? [...pulled, ''] : []),
    `Image ${codeSpan(report.deploy.image)} (release ${codeSpan(report.deploy.release)}), SSM command ${report.deploy.commandIds.map((id) => codeSpan(id)).join(', ')}: **${counts.succeeded} succeeded, ${counts.unchanged} unchanged, ${counts.failed} failed**.`,
    '',
    ...table(report.deploy),
    ...tails(report.deploy),
  ]
  if (report.rollback) {
    const back = countsOf(report.rollback)
    lines.push(
      '',
      `### Rolled back to ${codeSpan(report.rollback.image)}`,
      '',
      `${back.succeeded + back.unchanged} instance(s) back on the previous release, ${back.failed} failed.`,
      '',
      ...table(report.rollback),
      ...tails(report.rollback),
    )
  }
  if (report.rollbackSkipped) lines.push('', `Rollback not sent: ${report.rollbackSkipped}`)
  lines.push('', `${stateLine(report)}.`)
  return `${lines.join('\n')}\n`
}

/** The pull every target ran before the first wave. */
function pullSummary(phase: PhaseReport): string[] {
  const counts = countsOf(phase)
  return [
    `Pulled before the first wave, SSM command ${phase.commandIds.map((id) => codeSpan(id)).join(', ')}: **${counts.succeeded + counts.unchanged} pulled, ${counts.failed} failed**.`,
    '',
    ...table(phase),
    ...tails(phase),
  ]
}

/** `::error::` annotations, one per failed instance; the instance's words as data without controls. */
export function annotations(report: DeployReport): string[] {
  const data = (untrusted: string) => neutraliseCommands(terminalLines(untrusted).join('\n'))
  return [...(report.prepull?.outcomes ?? []), ...report.deploy.outcomes]
    .filter((o) => o.result === 'failed')
    .map(
      (o) =>
        `::error title=${escapeProperty(data(`${report.service} on ${o.instanceId}`))}::${escapeData(data(`${o.ssmStatus}: ${o.message}`))}`,
    )
}

/** Lines for $GITHUB_OUTPUT, in the delimiter form so that no value can end the block early. */
export function outputs(report: DeployReport, delimiter: string): string {
  const counts = countsOf(report.deploy)
  const values: Record<string, string> = {
    digest: report.digest,
    'release-version': String(report.parameterVersion),
    'command-id': report.deploy.commandIds.join(','),
    succeeded: String(counts.succeeded + counts.unchanged),
    failed: String(counts.failed),
    'rolled-back': report.rollback ? 'true' : 'false',
  }
  return Object.entries(values)
    .map(([key, value]) => `${key}<<${delimiter}\n${value}\n${delimiter}\n`)
    .join('')
}
