import t from 'tap'
import { acquireLock, type LockDeps, type LockRequest } from '../../../controller/lock/acquire.ts'
import { type LockHolder, lockText, parseLockHolder } from '../../../controller/lock/lock-record.ts'
import { BusyError } from '../../../shared/errors.ts'
import { MemoryLockStore } from '../../support/memory-lock-store.ts'

const NAME = '/ecr-deploy-lock/prod/web'
const START = Date.parse('2026-06-01T12:00:00.000Z')

function deps(store: MemoryLockStore, random = 0.5) {
  let time = START
  let token = 0
  const sleeps: number[] = []
  const warnings: string[] = []
  const waiting: string[] = []
  const lockDeps: LockDeps = {
    store,
    clock: {
      now: () => time,
      sleep: async (ms) => {
        sleeps.push(ms)
        time += ms
      },
      random: () => random,
    },
    // acquireLock alone never renews; whileLocked starts the renewals (heartbeat.test.ts).
    timer: () => () => {},
    newToken: () => `0000000${++token}`,
    warn: (text) => warnings.push(text),
    onWaiting: (text) => waiting.push(text),
  }
  return { deps: lockDeps, sleeps, warnings, waiting, advance: (ms: number) => (time += ms) }
}

const request: LockRequest = {
  environment: 'prod',
  service: 'web',
  origin: {
    actor: 'octocat',
    runUrl: 'https://github.com/acme/shop/actions/runs/42',
    commit: 'a'.repeat(40),
  },
  waitSeconds: 0,
  ttlSeconds: 3600,
}

const other = (acquiredAt: string, token = 'ffffffff'): LockHolder => ({
  format: 1,
  token,
  actor: 'hubot',
  runUrl: 'https://github.com/acme/shop/actions/runs/41',
  acquiredAt,
})

t.test('a free lock is created with Overwrite=false naming the run, and deleted on release', async (t) => {
  const store = new MemoryLockStore()
  const { deps: d } = deps(store)
  const lock = await acquireLock(d, request)
  t.equal(lock.name, NAME)
  t.strictSame(parseLockHolder(store.valueOf(NAME) ?? ''), {
    format: 1,
    token: '00000001',
    actor: 'octocat',
    runUrl: 'https://github.com/acme/shop/actions/runs/42',
    commit: 'a'.repeat(40),
    acquiredAt: '2026-06-01T12:00:00.000Z',
    renewedAt: '2026-06-01T12:00:00.000Z',
  })
  await lock.release()
  await lock.release()
  t.equal(store.valueOf(NAME), undefined)
  t.strictSame(
    store.calls.map((c) => c.method),
    ['create', 'read', 'remove'],
    'released once, however often release is called',
  )
})

t.test(
  'a held lock without --lock-wait is E_BUSY at once, naming the holder and the next step',
  async (t) => {
    const store = new MemoryLockStore()
    store.put(NAME, lockText(other('2026-06-01T11:59:00.000Z')))
    const { deps: d, sleeps } = deps(store)
    const error = await acquireLock(d, request).catch((e: unknown) => e)
    t.type(error, BusyError)
    t.equal(
      (error as Error).message,
      'another deploy of prod/web holds the lock /ecr-deploy-lock/prod/web: "hubot" (https://github.com/acme/shop/actions/runs/41), for 60 s since 2026-06-01T11:59:00.000Z, last renewed 60 s ago at 2026-06-01T11:59:00.000Z; wait for that run, pass --lock-wait <seconds> to wait for it, or, if it died, run ecr-deploy lock release --environment prod --service web',
    )
    t.strictSame(sleeps, [])
    t.equal(store.valueOf(NAME), lockText(other('2026-06-01T11:59:00.000Z')), 'the holder is untouched')
  },
)

t.test('--lock-wait polls with jitter until the holder releases, then takes the lock', async (t) => {
  const store = new MemoryLockStore()
  store.put(NAME, lockText(other('2026-06-01T11:59:00.000Z')))
  let reads = 0
  store.before = (call) => {
    if (call.method === 'read' && ++reads === 3) store.drop(NAME)
  }
  const { deps: d, sleeps, waiting } = deps(store, 0.9)
  const lock = await acquireLock(d, { ...request, waitSeconds: 60 })
  t.strictSame(sleeps, [7000, 7000], 'each poll waits 5 s times 0.5 + random()')
  t.equal(waiting.length, 2)
  t.match(waiting[0], /^waiting for the deploy lock \/ecr-deploy-lock\/prod\/web, held by "hubot"/)
  t.equal(parseLockHolder(store.valueOf(NAME) ?? '')?.token, lock.holder.token)
})

t.test('the wait ends at --lock-wait: the last sleep is cut to what remains, then E_BUSY', async (t) => {
  const store = new MemoryLockStore()
  store.put(NAME, lockText(other('2026-06-01T11:59:00.000Z')))
  const { deps: d, sleeps } = deps(store, 0.9)
  const error = await acquireLock(d, { ...request, waitSeconds: 10 }).catch((e: unknown) => e)
  t.type(error, BusyError)
  t.match((error as Error).message, /holds the lock \/ecr-deploy-lock\/prod\/web after waiting 10 s/)
  t.strictSame(sleeps, [7000, 3000])
})

t.test('a lock older than --lock-ttl is taken over with a warning; a younger one is not', async (t) => {
  const store = new MemoryLockStore()
  const stale = lockText(other('2026-06-01T10:59:59.000Z'))
  store.put(NAME, stale)
  const { deps: d, warnings } = deps(store)
  const lock = await acquireLock(d, request)
  t.equal(lock.holder.takesOver, 'ffffffff')
  t.equal(store.valueOf(NAME), lockText(lock.holder))
  t.strictSame(warnings, [
    'took over the deploy lock /ecr-deploy-lock/prod/web from "hubot" (https://github.com/acme/shop/actions/runs/41), for 3601 s since 2026-06-01T10:59:59.000Z, last renewed 3601 s ago at 2026-06-01T10:59:59.000Z: not renewed for --lock-ttl 3600 s, so its deploy is taken to have died; check that run',
  ])

  const young = new MemoryLockStore()
  young.put(NAME, lockText(other('2026-06-01T11:00:01.000Z')))
  await t.rejects(acquireLock(deps(young).deps, request), BusyError)
})

t.test(
  'staleness counts from the last renewal: a lock held long but renewed lately is not taken over',
  async (t) => {
    const store = new MemoryLockStore()
    const renewed = lockText({ ...other('2026-06-01T09:00:00.000Z'), renewedAt: '2026-06-01T11:55:00.000Z' })
    store.put(NAME, renewed)
    const error = await acquireLock(deps(store).deps, request).catch((e: unknown) => e)
    t.type(error, BusyError)
    t.match(
      (error as Error).message,
      /"hubot" .*, for 10800 s since 2026-06-01T09:00:00.000Z, last renewed 300 s ago at 2026-06-01T11:55:00.000Z; wait/,
    )
    t.equal(store.valueOf(NAME), renewed)
  },
)

t.test(
  'a holder record from before renewals (no renewedAt) reads, its acquiredAt its last renewal',
  async (t) => {
    const old = other('2026-06-01T11:00:00.000Z')
    t.notOk('renewedAt' in old)
    t.strictSame(parseLockHolder(lockText(old)), old)
    t.equal(parseLockHolder(lockText({ ...old, renewedAt: 'yesterday' })), undefined, 'still strict')
    t.equal(parseLockHolder(JSON.stringify({ ...old, heartbeat: 1 })), undefined, 'no unknown keys')
  },
)

t.test('a lock whose value ecr-deploy did not write is never taken over', async (t) => {
  const store = new MemoryLockStore()
  store.put(NAME, 'held by hand')
  const error = await acquireLock(deps(store).deps, request).catch((e: unknown) => e)
  t.match((error as Error).message, /an unreadable holder .*its value is not a lock ecr-deploy wrote/)
  t.equal(store.valueOf(NAME), 'held by hand')
})

t.test('release leaves a lock that another run has taken over since', async (t) => {
  const store = new MemoryLockStore()
  const { deps: d, warnings } = deps(store)
  const lock = await acquireLock(d, request)
  const taker = lockText({ ...other('2026-06-01T13:00:00.000Z', 'eeeeeeee'), takesOver: lock.holder.token })
  store.put(NAME, taker)
  await lock.release()
  t.equal(store.valueOf(NAME), taker)
  t.match(warnings, [/is no longer this run's: "hubot" .* holds it now; it is left to that holder/])
})
