/**
 * A report as one line of JSON that is safe on a terminal and in a CI log, and still parses to exactly the
 * same data. JSON.stringify already escapes C0 controls; the rest of what a terminal or the Actions runner
 * would act on is written as \u escapes too: DEL, C1 controls, line and paragraph separators, bidirectional
 * controls, and the `[` of the legacy `##[` workflow command.
 */
const UNSAFE = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

function unicodeEscape(char: string): string {
  return `\\u${(char.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`
}

export function jsonLine(value: unknown): string {
  // `[` can only follow `##` inside a string: JSON's own brackets follow `:`, `,` or `[`.
  return JSON.stringify(value).replace(UNSAFE, unicodeEscape).replace(/##\[/g, '##\\u005b')
}
