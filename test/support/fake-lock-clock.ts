import type { LockTimer } from '../../controller/lock/acquire.ts'
import type { WaitClock } from '../../controller/ssm/waiter.ts'

interface Pending {
  readonly at: number
  readonly beat: () => Promise<void>
}

/**
 * A clock and timer that only move when a test advances them (or something sleeps): each timer that falls
 * due is fired at its time and awaited, in order, so a test sees every beat's effect before it goes on.
 */
export class FakeLockClock implements WaitClock {
  readonly #timers = new Set<Pending>()
  #time: number

  constructor(time: number) {
    this.#time = time
  }

  now(): number {
    return this.#time
  }

  random(): number {
    return 0.5
  }

  async sleep(ms: number): Promise<void> {
    await this.advance(ms)
  }

  /** Timers not yet fired nor cancelled. */
  get pending(): number {
    return this.#timers.size
  }

  readonly timer: LockTimer = (ms, beat) => {
    const entry = { at: this.#time + ms, beat }
    this.#timers.add(entry)
    return () => {
      this.#timers.delete(entry)
    }
  }

  /** Moves time on by `ms`, firing and awaiting every timer due meanwhile. */
  async advance(ms: number): Promise<void> {
    const until = this.#time + ms
    for (;;) {
      const next = [...this.#timers].filter((p) => p.at <= until).sort((a, b) => a.at - b.at)[0]
      if (next === undefined) break
      this.#timers.delete(next)
      this.#time = next.at
      await next.beat()
    }
    this.#time = until
  }
}
