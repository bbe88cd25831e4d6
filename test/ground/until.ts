import { setTimeout as sleep } from 'node:timers/promises'

/**
 * Waits for a state rather than for a length of time: polls `check` until it returns a value and
 * resolves with it. The deadline is a safety net for a state that never comes (the error names `what`
 * and the last value seen), not an assertion on how long anything takes.
 */
export async function until<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  options: { deadlineMs?: number; describe?: () => string } = {},
): Promise<T> {
  const deadline = Date.now() + (options.deadlineMs ?? 60_000)
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) {
      throw new Error(`never saw ${what}${options.describe ? `\n${options.describe()}` : ''}`)
    }
    await sleep(20)
  }
}
