import { readFile } from 'node:fs/promises'

/** Milliseconds `run` takes. */
export async function time(run: () => Promise<void>): Promise<number> {
  const start = performance.now()
  await run()
  return performance.now() - start
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}

/** One row of a fixed-width table: the first cell left-aligned, the others right-aligned. */
export function tableLine(cells: readonly string[], first = 44): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(first) : c.padStart(12))).join('')
}

export interface Memory {
  readonly rss: number
  /** Heap, stacks, malloc: what the process really costs. */
  readonly anon: number
  /** Pages of the executable and libraries: clean, reclaimable, shared with other processes mapping them. */
  readonly file: number
}

/** From /proc/<pid>/status, in KiB. */
export async function memoryOf(pid: number): Promise<Memory> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0)
  return { rss: kib('VmRSS'), anon: kib('RssAnon'), file: kib('RssFile') }
}

export const mib = (kib: number): string => (kib / 1024).toFixed(1)

/** A systemd unit's `Environment=` assignments (`KEY=value` or `"KEY=value with spaces"`). */
export function environmentOf(unit: string): Record<string, string> {
  const env: Record<string, string> = {}
  for (const line of unit.split('\n')) {
    const match = /^Environment=(?:"([^"]*)"|(\S*))\s*$/.exec(line.trim())
    const assignment = match?.[1] ?? match?.[2]
    const eq = assignment?.indexOf('=') ?? -1
    if (assignment !== undefined && eq > 0) env[assignment.slice(0, eq)] = assignment.slice(eq + 1)
  }
  return env
}
