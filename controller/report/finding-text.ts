import { terminalLine } from '../../shared/terminal-text.ts'
import { neutraliseCommands } from './workflow-commands.ts'

/** The longest piece of a finding's text that is shown. */
const LIMIT = 160

/**
 * A scanner's text (a finding's title, a package name) made safe for the sinks an error message reaches: one
 * line without control characters for a terminal, with no workflow-command form for a GitHub Actions log
 * (core.setFailed escapes `%`, CR and LF itself), and bounded in length.
 */
export function findingText(untrusted: string): string {
  const line = neutraliseCommands(terminalLine(untrusted))
  return line.length > LIMIT ? `${line.slice(0, LIMIT - 1)}…` : line
}
