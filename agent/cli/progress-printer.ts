import type { ProgressLine } from '../api/protocol.ts'
import { formatProgress } from './output.ts'

/**
 * SSM keeps only the first 24,000 characters of stdout, and the controller needs the JSON result line,
 * which comes last. So progress gets a budget: pull chatter (one line per layer) its own small share,
 * every line a maximum length, and whatever does not fit is counted and reported in one line.
 */
export const PROGRESS_BUDGET = 18_000
export const PULL_BUDGET = 4_000
export const LINE_LIMIT = 240

export class ProgressPrinter {
  #used = 0
  #pullUsed = 0
  #omitted = 0

  private readonly print: (text: string) => void
  private readonly elapsedMs: () => number

  constructor(print: (text: string) => void, elapsedMs: () => number) {
    this.print = print
    this.elapsedMs = elapsedMs
  }

  line(progress: ProgressLine): void {
    const text = clip(formatProgress(progress, this.elapsedMs()), LINE_LIMIT)
    const cost = text.length + 1
    const pullFull = progress.phase === 'pull' && this.#pullUsed + cost > PULL_BUDGET
    if (pullFull || this.#used + cost > PROGRESS_BUDGET) {
      this.#omitted += 1
      return
    }
    if (progress.phase === 'pull') this.#pullUsed += cost
    this.#used += cost
    this.print(text)
  }

  /** Says how many lines were left out, if any; the daemon's journal has them all. */
  finish(): void {
    if (this.#omitted > 0) {
      this.print(
        `(${this.#omitted} progress lines not shown to keep the output short; see journalctl -u ecr-deploy-agent)`,
      )
    }
  }
}

/** Cuts `text` to `max` characters, marking the cut. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`
}
