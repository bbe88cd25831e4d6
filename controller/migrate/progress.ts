import { terminalLine } from '../../shared/terminal-text.ts'
import type { MigrationEvents, TagResult } from './migrate-tags.ts'

const MIB = 1024 * 1024

/** A byte count as people read it: `512 B`, `3.4 KiB`, `120.4 MiB`. */
export function mebibytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < MIB) return `${(bytes / 1024).toFixed(1)} KiB`
  return `${(bytes / MIB).toFixed(1)} MiB`
}

/**
 * What a migration shows as it goes. On a terminal a live bar (tags done, bytes uploaded) under the
 * finished lines; in CI (GITHUB_ACTIONS, or no TTY) plain lines only, as log viewers show carriage
 * returns as garbage. Lines go through `guard`, which stops workflow commands in GitHub Actions.
 */
export class MigrationProgress implements MigrationEvents {
  readonly #write: (text: string) => void
  readonly #live: boolean
  readonly #source: string
  #total = 0
  #done = 0
  #bytes = 0
  #shownMib = -1

  constructor(
    out: { write(text: string): unknown; isTTY?: boolean },
    env: NodeJS.ProcessEnv,
    source: string,
    guard: (text: string) => string = (text) => text,
  ) {
    this.#write = (text) => out.write(guard(text))
    this.#live = out.isTTY === true && env.GITHUB_ACTIONS !== 'true'
    this.#source = source
  }

  /** How many tags the bar counts towards. */
  expect(total: number): void {
    this.#total = total
  }

  note(message: string): void {
    this.#line(`note: ${terminalLine(message)}`)
  }

  started(tag: string): void {
    if (!this.#live) this.#line(`copying ${this.#source}:${terminalLine(tag)}`)
  }

  bytes(count: number): void {
    this.#bytes += count
    const mib = Math.floor(this.#bytes / MIB)
    if (this.#live && mib !== this.#shownMib) {
      this.#shownMib = mib
      this.#write(`\r\x1b[K${this.#bar()}`)
    }
  }

  finished(result: TagResult): void {
    this.#done += 1
    this.#line(resultLine(result))
  }

  /** Ends the live bar so that the table starts on its own line. */
  end(): void {
    if (this.#live) this.#write('\r\x1b[K')
  }

  #bar(): string {
    const width = 20
    const filled = this.#total === 0 ? width : Math.round((this.#done / this.#total) * width)
    return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.#done}/${this.#total} tags, ${mebibytes(this.#bytes)} uploaded`
  }

  #line(text: string): void {
    this.#write(this.#live ? `\r\x1b[K${text}\n${this.#bar()}` : `${text}\n`)
  }
}

function resultLine(result: TagResult): string {
  const tag = terminalLine(result.tag)
  if (result.outcome === 'copied')
    return `copied ${tag} ${result.digest ?? ''} (${mebibytes(result.bytes)} uploaded)`
  if (result.outcome === 'skipped') return `skipped ${tag}: ECR already holds ${result.digest ?? ''}`
  return `failed ${tag}: ${terminalLine(result.error?.message ?? 'unknown error')}`
}

/** The final table: one row per tag, then the totals. */
export function resultTable(results: readonly TagResult[]): string {
  const rows = results.map((r) => [r.outcome, terminalLine(r.tag), r.digest ?? '-', mebibytes(r.bytes)])
  const header = ['result', 'tag', 'digest', 'uploaded']
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]?.length ?? 0)))
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd()
  const count = (outcome: string) => results.filter((r) => r.outcome === outcome).length
  const total = results.reduce((sum, r) => sum + r.bytes, 0)
  return [
    line(header),
    ...rows.map(line),
    `${count('copied')} copied, ${count('skipped')} skipped, ${count('failed')} failed; ${mebibytes(total)} uploaded`,
    '',
  ].join('\n')
}
