import t from 'tap'
import { ServiceLocks } from '../../../agent/deploy/service-locks.ts'
import { BusyError } from '../../../shared/errors.ts'

function gate() {
  let open = (): void => {}
  const opened = new Promise<void>((resolve) => {
    open = resolve
  })
  return { open, opened }
}

t.test('a second operation on the same service is busy, or waits its turn in order', async (t) => {
  const locks = new ServiceLocks()
  const order: string[] = []
  const first = gate()
  const running = locks.run('web', false, async () => {
    order.push('first')
    await first.opened
    return 1
  })
  t.equal(locks.isHeld('web'), true)
  await t.rejects(
    locks.run('web', false, async () => 0),
    { constructor: BusyError, message: 'a deploy of service "web" is already running on this instance' },
  )
  const second = locks.run('web', true, async () => order.push('second'))
  const third = locks.run('web', true, async () => order.push('third'))
  const other = await locks.run('api', false, async () => 'api ran meanwhile')
  t.equal(other, 'api ran meanwhile')
  t.strictSame(order, ['first'])
  first.open()
  t.equal(await running, 1)
  await Promise.all([second, third])
  t.strictSame(order, ['first', 'second', 'third'])
  t.equal(locks.isHeld('web'), false)
  t.equal(await locks.run('web', false, async () => 'free again'), 'free again')
})

t.test('a failing operation releases the lock', async (t) => {
  const locks = new ServiceLocks()
  await t.rejects(
    locks.run('web', false, async () => {
      throw new Error('boom')
    }),
    /boom/,
  )
  t.equal(await locks.run('web', false, async () => 'ok'), 'ok')
})
