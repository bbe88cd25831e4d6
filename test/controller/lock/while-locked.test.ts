import t from 'tap'
import { runInterruptCleanups } from '../../../controller/interrupt.ts'
import type { LockDeps, LockRequest } from '../../../controller/lock/acquire.ts'
import { parseLockFlags } from '../../../controller/lock/lock-options.ts'
import { whileLocked } from '../../../controller/lock/while-locked.ts'
import { UsageError } from '../../../shared/errors.ts'
import { MemoryLockStore } from '../../support/memory-lock-store.ts'

const NAME = '/ecr-deploy-lock/prod/web'
const request: LockRequest = {
  environment: 'prod',
  service: 'web',
  origin: { actor: 'octocat' },
  waitSeconds: 0,
  ttlSeconds: 3600,
}

function lockDeps(store: MemoryLockStore, warnings: string[] = []): LockDeps {
  return {
    store,
    clock: { now: () => Date.parse('2026-06-01T12:00:00Z'), sleep: async () => {}, random: () => 0.5 },
    timer: () => () => {},
    newToken: () => '00000001',
    warn: (text) => warnings.push(text),
  }
}

t.test('the lock is held while the work runs and released when it fails', async (t) => {
  const store = new MemoryLockStore()
  let heldDuring: string | undefined
  await t.rejects(
    whileLocked(lockDeps(store), request, async () => {
      heldDuring = store.valueOf(NAME)
      throw new Error('the rollout failed')
    }),
    /the rollout failed/,
  )
  t.match(heldDuring, /"token":"00000001"/)
  t.equal(store.valueOf(NAME), undefined)
})

t.test(
  'an interrupt releases the lock while the work still runs; the end does not release twice',
  async (t) => {
    const store = new MemoryLockStore()
    let finish: () => void = () => {}
    let started: () => void = () => {}
    const running = new Promise<void>((resolve) => {
      started = resolve
    })
    const done = whileLocked(
      lockDeps(store),
      request,
      () =>
        new Promise<string>((resolve) => {
          started()
          finish = () => resolve('report')
        }),
    )
    await running
    t.strictSame(await runInterruptCleanups(), [])
    t.equal(store.valueOf(NAME), undefined, 'released by the signal path')
    finish()
    t.equal(await done, 'report')
    t.equal(store.calls.filter((c) => c.method === 'remove').length, 1)
    t.strictSame(await runInterruptCleanups(), [], 'nothing is left registered')
  },
)

t.test('a lock that cannot be released is a warning naming lock release, not a failed deploy', async (t) => {
  const store = new MemoryLockStore()
  store.before = (call) => {
    if (call.method === 'remove') throw new Error('DeleteParameter was refused')
  }
  const warnings: string[] = []
  t.equal(await whileLocked(lockDeps(store, warnings), request, async () => 'report'), 'report')
  t.strictSame(warnings, [
    'could not release the deploy lock /ecr-deploy-lock/prod/web: DeleteParameter was refused; run ecr-deploy lock release --environment prod --service web',
  ])
})

t.test('--lock-wait and --lock-ttl are whole seconds; the TTL leaves room for renewals', async (t) => {
  t.strictSame(parseLockFlags({ lockWait: '120', lockTtl: '3600' }), {
    waitSeconds: 120,
    ttlSeconds: 3600,
  })
  t.strictSame(parseLockFlags({ lockWait: '0', lockTtl: '15' }), { waitSeconds: 0, ttlSeconds: 15 })
  t.throws(() => parseLockFlags({ lockWait: '1.5', lockTtl: '3600' }), {
    message: '--lock-wait: "1.5" is not a whole number of seconds (0 to 9999999)',
  })
  t.throws(() => parseLockFlags({ lockWait: '0', lockTtl: '14' }), {
    constructor: UsageError,
    message:
      '--lock-ttl: 14 s is too short for a running deploy to renew its lock (every third of the TTL, at least 5 s apart): give 15 or more',
  })
})
