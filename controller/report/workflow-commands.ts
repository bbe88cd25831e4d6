/**
 * The GitHub Actions runner reads workflow commands from every line a step prints: `::name ...::data` at the
 * start of a line after white space, and the legacy `##[name ...]data` anywhere in a line. Text from
 * instances must never become one: it is neutralised, and printed with command processing stopped.
 */

/** Workflow-command data escaping, as the Actions runner defines it. */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
}

/** Workflow-command property escaping (a title, a file name), as the Actions runner defines it. */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C')
}

// The runner trims with .NET's TrimStart(), which drops every Unicode white space character, U+0085 too.
const LEADING_COMMAND = /^([\s\u0085]*):(?=:)/gm
const LEGACY_COMMAND = /##\[/g

/**
 * Untrusted text with neither command form left: a space goes between the two colons at a line's start and
 * between `##` and `[` anywhere, so the text still reads as it was written.
 */
export function neutraliseCommands(untrusted: string): string {
  return untrusted.replace(LEADING_COMMAND, '$1: ').replace(LEGACY_COMMAND, '## [')
}

/**
 * Text printed between `::stop-commands::<token>` and `::<token>::`, so the runner acts on nothing inside
 * it. The token is fresh for each block and printed only after the text was written, so the text cannot
 * know it; one that happens to occur in the text is drawn again.
 */
export function commandsStopped(text: string, newToken: () => string): string {
  let token = newToken()
  while (text.toLowerCase().includes(token.toLowerCase())) token = newToken()
  const body = text.endsWith('\n') ? text : `${text}\n`
  return `::stop-commands::${token}\n${body}::${token}::\n`
}
