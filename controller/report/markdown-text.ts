import { terminalLine, terminalLines } from '../../shared/terminal-text.ts'

/**
 * Untrusted text in the Markdown job summary, which GitHub renders with HTML allowed. Inside a code span or a
 * fenced block nothing is markup: no tags, comments, links, images or autolinks. Each is delimited by a run
 * of backticks longer than any in the text, so the text cannot close it.
 */

function longestBacktickRun(text: string): number {
  return Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length))
}

/**
 * One line of untrusted text as a code span. In a table cell every `|` is escaped as well, because GFM
 * splits cells before it reads code spans (and turns `\|` back into `|` inside them).
 */
export function codeSpan(untrusted: string, inTable = false): string {
  const line = terminalLine(untrusted)
  if (line.trim() === '') return ''
  const text = inTable ? line.replace(/\|/g, '\\|') : line
  const fence = '`'.repeat(longestBacktickRun(text) + 1)
  // One space each side is stripped by the renderer, so a text that starts or ends with a backtick still works.
  return `${fence} ${text} ${fence}`
}

/** Untrusted lines as a fenced block. */
export function fencedBlock(untrusted: string): string {
  const text = terminalLines(untrusted).join('\n')
  const fence = '`'.repeat(Math.max(3, longestBacktickRun(text) + 1))
  return `${fence}text\n${text}\n${fence}`
}

/** Text inside an HTML element of the summary, such as `<summary>`. */
export function htmlText(untrusted: string): string {
  return terminalLine(untrusted)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
}

/** A collapsed section: our own title, untrusted lines in a fenced block. */
export function collapsedBlock(title: string, untrusted: string): string {
  return `<details><summary>${htmlText(title)}</summary>\n\n${fencedBlock(untrusted)}\n\n</details>`
}
