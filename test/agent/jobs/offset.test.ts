import t from 'tap'
import { atOffset, offsetDelayMs } from '../../../agent/jobs/offset.ts'

/* Each agent runs the desired-state job at its own place in the interval, so a fleet spreads its calls. */

const TICK = Date.parse('2026-12-01T12:00:00.000Z')
const NEXT = TICK + 120_000

t.test('the wait is the instance share of the time to the next tick', async (t) => {
  t.equal(offsetDelayMs(0, TICK, NEXT), 0)
  t.equal(offsetDelayMs(0.25, TICK, NEXT), 30_000)
  t.equal(
    offsetDelayMs(0.5, TICK + 20_000, NEXT),
    50_000,
    'measured from now, so a late tick still ends in time',
  )
  t.equal(offsetDelayMs(1, TICK, NEXT), 119_880, 'never the next tick itself')
  t.equal(offsetDelayMs(0.5, TICK, undefined), 0, 'a schedule that never fires again')
  t.equal(offsetDelayMs(0.5, NEXT, NEXT), 0)
})

t.test('the job runs after the wait; a stop during the wait skips it', async (t) => {
  const waits: number[] = []
  let runs = 0
  let wake: () => void = () => {}
  const stopped = new AbortController()
  const run = atOffset(
    async () => {
      runs += 1
    },
    {
      fraction: 0.5,
      nextTickAt: () => NEXT,
      now: () => TICK,
      sleep: (ms, signal) =>
        new Promise<void>((resolve, reject) => {
          waits.push(ms)
          wake = resolve
          signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true })
        }),
      signal: stopped.signal,
    },
  )
  const first = run()
  t.equal(runs, 0, 'not before the wait is over')
  wake()
  await first
  t.equal(runs, 1)
  const second = run()
  stopped.abort()
  await second
  t.equal(runs, 1, 'stopped while waiting: the job does not run')
  t.strictSame(waits, [60_000, 60_000])
})
