import { terminalLine, terminalLines } from '../../shared/terminal-text.ts'
import type { InstanceOutcome } from '../ssm/outcome.ts'
import { countsOf, type DeployReport, type PhaseReport } from './fleet-report.ts'
import { neutraliseCommands } from './workflow-commands.ts'

/** Text from an instance as one line of the terminal report: no controls, no workflow commands. */
export function shown(untrusted: string): string {
  return neutraliseCommands(terminalLine(untrusted))
}

/** The start of a digest; the agent reports it, so anything but hex is shown as `invalid`, not printed. */
export function shortDigest(digest: string | undefined): string {
  if (!digest) return '-'
  const hex = digest.replace(/^sha256:/, '').slice(0, 12)
  return /^[0-9a-f]{12}$/.test(hex) ? hex : 'invalid'
}

export function formatSeconds(ms: number | undefined): string {
  return ms === undefined ? '-' : `${(ms / 1000).toFixed(1)}s`
}

/** One line per finished instance, printed as it finishes. */
export function outcomeLine(outcome: InstanceOutcome): string {
  const digests = `${shortDigest(outcome.previousDigest)} -> ${shortDigest(outcome.digest)}`
  const message = shown(outcome.message.split('\n')[0] ?? '')
  return `${shown(outcome.instanceId)}  ${outcome.result.padEnd(9)}  ${digests}  ${formatSeconds(outcome.durationMs).padStart(6)}  ${message}`
}

function phaseLines(title: string, phase: PhaseReport): string[] {
  const counts = countsOf(phase)
  const lines = [
    `${title}: ${shown(phase.release)} = ${shown(phase.image)}`,
    `  command ${phase.commandIds.join(', ')}: ${counts.succeeded} succeeded, ${counts.unchanged} unchanged, ${counts.failed} failed` +
      (phase.timedOut ? `, ${phase.unfinished.length + phase.unlisted} unfinished (timed out)` : '') +
      (phase.unlisted > 0 ? `, ${phase.unlisted} never listed by SSM` : ''),
  ]
  for (const outcome of phase.outcomes.filter((o) => o.result === 'failed')) {
    lines.push(
      `  ${shown(outcome.instanceId)} failed: ${shown(outcome.ssmStatus)}: ${shown(outcome.message)}`,
    )
    if (outcome.outputTail)
      lines.push(
        ...terminalLines(outcome.outputTail)
          .slice(-15)
          .map((line) => `    | ${neutraliseCommands(line)}`),
      )
  }
  return lines
}

/** What the parameter says now: the rollout's end, written as its newest version. */
export function stateLine(report: DeployReport): string {
  const of = `${report.environment}/${report.service} version ${report.parameterVersion}`
  const restores = report.restores === undefined ? '' : ` (restores version ${report.restores})`
  if (report.state === 'stable') return `release ${of}${restores} is stable (version ${report.stateVersion})`
  const stands =
    report.replaces === undefined
      ? 'no stable release stands'
      : `stable release version ${report.replaces} stands`
  return `release ${of}${restores} is aborted (version ${report.stateVersion}): ${stands}`
}

/** The closing summary on the terminal. */
export function summaryText(report: DeployReport): string {
  const waves = report.waves ?? []
  const pulled = report.prepull ? phaseLines(`pull ${report.service}`, report.prepull) : []
  const lines =
    report.pullFailure !== undefined
      ? [...pulled, `no instance switched: ${shown(report.pullFailure)}`]
      : waves.length === 0
        ? [...pulled, ...phaseLines(`deploy ${report.service}`, report.deploy)]
        : [
            ...pulled,
            ...waves.flatMap((wave, i) =>
              phaseLines(
                `deploy ${report.service} wave ${i + 1} of ${report.plannedWaves ?? waves.length}`,
                wave,
              ),
            ),
          ]
  const planned = report.plannedWaves ?? waves.length
  if (waves.length + 1 === planned) lines.push(`wave ${planned} was not sent`)
  if (waves.length + 1 < planned) lines.push(`waves ${waves.length + 1} to ${planned} were not sent`)
  if (report.abort) lines.push(`aborted: ${shown(report.abort.message)}`)
  if (report.rollback) lines.push(...phaseLines(`rollback ${report.service}`, report.rollback))
  if (report.rollbackSkipped) lines.push(`rollback not sent: ${report.rollbackSkipped}`)
  lines.push(stateLine(report))
  return lines.join('\n')
}
