import type { Clock } from '../../agent/health/clock.ts'

/** A clock that only moves when something sleeps; records every sleep. */
export class FakeClock implements Clock {
  readonly sleeps: number[] = []
  private time: number

  constructor(time: number = Date.parse('2026-01-01T00:00:00Z')) {
    this.time = time
  }
  now(): number {
    return this.time
  }
  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms)
    this.time += ms
  }
}
