/**
 * Untrusted text (instance output, agent messages) made safe to print on a terminal or a CI log: the
 * characters a terminal acts on instead of showing are dropped, so a log line cannot move the cursor, clear
 * the screen, set a title, hide a hyperlink behind other text, or reorder what is shown.
 */

/** C0 controls (ESC, CR, BEL...), DEL, C1 controls (8-bit CSI, NEL...) and the bidirectional controls. */
function isControl(code: number): boolean {
  return (
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x061c ||
    code === 0x200e ||
    code === 0x200f ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069)
  )
}

function withoutControls(line: string): string {
  let kept = ''
  for (const char of line) {
    const code = char.codePointAt(0) ?? 0
    // A tab is shown as a space rather than dropped, so that columns do not run together.
    if (code === 0x09) kept += ' '
    else if (!isControl(code)) kept += char
  }
  return kept
}

/** The lines of untrusted text, each without control characters. */
export function terminalLines(untrusted: string): string[] {
  return untrusted.split('\n').map(withoutControls)
}

/** Untrusted text as one line: its lines joined by a space, without control characters. */
export function terminalLine(untrusted: string): string {
  return terminalLines(untrusted)
    .filter((line) => line.trim() !== '')
    .join(' ')
}
