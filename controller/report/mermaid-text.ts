/**
 * Untrusted text inside a Mermaid chart of the job summary. A label is a quoted string, and Mermaid reads
 * `#name;` and `#123;` as entity codes there, so every character but letters, digits and a few plain
 * punctuation marks is written as its numeric code: a label cannot close its quotes, start a new
 * statement, or close the fenced block the chart sits in (a backtick becomes `#96;`).
 */
export function mermaidLabel(untrusted: string): string {
  let label = ''
  for (const char of untrusted) {
    const code = char.codePointAt(0) ?? 0
    if (code < 0x20 || code === 0x7f) label += ' '
    else if (/[A-Za-z0-9 ._/:@+-]/.test(char)) label += char
    else label += `#${code};`
  }
  return `"${label}"`
}
