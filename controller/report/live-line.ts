/**
 * Per-instance lines as they finish. On a terminal a live last line counts what has finished; in CI (no
 * TTY) and with --json, plain lines only, because log viewers show carriage returns as garbage. A line
 * holds an instance's words, so in CI it goes through `guard` (workflow commands stopped around it).
 */
export class LiveLine {
  readonly #out: NodeJS.WriteStream
  readonly #live: boolean
  readonly #quiet: boolean
  readonly #guard: (text: string) => string
  #done = 0

  constructor(out: NodeJS.WriteStream, quiet: boolean, guard: (text: string) => string = (text) => text) {
    this.#out = out
    this.#quiet = quiet
    this.#guard = guard
    this.#live = out.isTTY === true && !quiet
  }

  print(line: string): void {
    if (this.#quiet) return
    this.#done += 1
    if (this.#live)
      this.#out.write(`\r\x1b[K${line}\n${this.#done} instance(s) finished, waiting for the rest...`)
    else this.#out.write(this.#guard(`${line}\n`))
  }
}
