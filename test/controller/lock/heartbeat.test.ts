import t from 'tap'
import { runInterruptCleanups } from '../../../controller/interrupt.ts'
import { acquireLock, type LockDeps, type LockRequest } from '../../../controller/lock/acquire.ts'
import { renewIntervalMs } from '../../../controller/lock/heartbeat.ts'
import { type LockHolder, lockText, parseLockHolder } from '../../../controller/lock/lock-record.ts'
import { lockStatusText } from '../../../controller/lock/lock-report.ts'
import { takeOver } from '../../../controller/lock/take-over.ts'
import { whileLocked } from '../../../controller/lock/while-locked.ts'
import { BusyError, LockLostError } from '../../../shared/errors.ts'
import { FakeLockClock } from '../../support/fake-lock-clock.ts'
import { MemoryLockStore } from '../../support/memory-lock-store.ts'

const NAME = '/ecr-deploy-lock/prod/web'
const START = Date.parse('2026-06-01T12:00:00.000Z')

const request = (actor: string): LockRequest => ({
  environment: 'prod',
  service: 'web',
  origin: { actor },
  waitSeconds: 0,
  ttlSeconds: 60,
})

function lockDeps(store: MemoryLockStore, clock: FakeLockClock, token: string, warnings: string[] = []) {
  const deps: LockDeps = {
    store,
    clock,
    timer: clock.timer,
    newToken: () => token,
    warn: (text) => warnings.push(text),
  }
  return deps
}

/** Work that runs until the test lets it end. */
function gated() {
  let open: () => void = () => {}
  let started: () => void = () => {}
  const running = new Promise<void>((resolve) => {
    started = resolve
  })
  const work = () =>
    new Promise<string>((resolve) => {
      started()
      open = () => resolve('report')
    })
  return { work, running, end: () => open() }
}

/** Alice's deploy, running inside whileLocked until `end`; `check` is the assertHeld it was handed. */
async function holding(store: MemoryLockStore, clock: FakeLockClock, warnings: string[] = []) {
  let check: () => void = () => {}
  const long = gated()
  const done = whileLocked(lockDeps(store, clock, '0000000a', warnings), request('alice'), (assertHeld) => {
    check = assertHeld
    return long.work()
  })
  await long.running
  return { done, check: () => check(), end: long.end }
}

/** A taker of alice's lock, at her first renewal. */
const BOB: LockHolder = {
  format: 1,
  token: '0000000b',
  actor: 'bob',
  acquiredAt: '2026-06-01T12:00:20.000Z',
  renewedAt: '2026-06-01T12:00:20.000Z',
  takesOver: '0000000a',
}

t.test('a deploy that runs three times --lock-ttl keeps its lock: a second one is refused', async (t) => {
  const store = new MemoryLockStore()
  const clock = new FakeLockClock(START)
  const { done, end } = await holding(store, clock)
  await clock.advance(180_000)
  const holder = parseLockHolder(store.valueOf(NAME) ?? '')
  t.equal(holder?.token, '0000000a', 'still the first deploy')
  await t.rejects(acquireLock(lockDeps(store, clock, '0000000b'), request('bob')), BusyError)
  end()
  t.equal(await done, 'report')
  t.equal(store.valueOf(NAME), undefined)
})

t.test('each renewal rewrites the holder with renewedAt, every third of the TTL', async (t) => {
  const store = new MemoryLockStore()
  const clock = new FakeLockClock(START)
  const { done, end } = await holding(store, clock)
  await clock.advance(19_999)
  t.equal(parseLockHolder(store.valueOf(NAME) ?? '')?.renewedAt, '2026-06-01T12:00:00.000Z', 'not yet')
  await clock.advance(1)
  t.strictSame(parseLockHolder(store.valueOf(NAME) ?? ''), {
    format: 1,
    token: '0000000a',
    actor: 'alice',
    acquiredAt: '2026-06-01T12:00:00.000Z',
    renewedAt: '2026-06-01T12:00:20.000Z',
  })
  t.strictSame(
    store.calls.map((c) => c.method),
    ['create', 'read', 'overwrite', 'readVersion'],
    'read first, write, then check that no write came between',
  )
  t.match(
    await lockStatusText(store, 'prod', 'web', clock.now() + 5_000),
    /held by "alice", for 25 s since 2026-06-01T12:00:00.000Z, last renewed 5 s ago at 2026-06-01T12:00:20.000Z$/,
  )
  end()
  await done
})

t.test('renewals are a third of the TTL apart, at most five minutes', async (t) => {
  t.equal(renewIntervalMs(15), 5_000)
  t.equal(renewIntervalMs(60), 20_000)
  t.equal(renewIntervalMs(900), 300_000)
  t.equal(renewIntervalMs(3600), 300_000)
})

t.test(
  'a lock taken over meanwhile is a warning naming the taker, and stops the work at its next check',
  async (t) => {
    const store = new MemoryLockStore()
    const clock = new FakeLockClock(START)
    const warnings: string[] = []
    const { done, check, end } = await holding(store, clock, warnings)
    const taker = lockText({
      format: 1,
      token: '0000000b',
      actor: 'bob',
      runUrl: 'https://github.com/acme/shop/actions/runs/43',
      acquiredAt: '2026-06-01T12:00:10.000Z',
      renewedAt: '2026-06-01T12:00:10.000Z',
      takesOver: '0000000a',
    })
    store.put(NAME, taker)
    t.doesNotThrow(check, 'not known before the next renewal')
    await clock.advance(20_000)
    t.strictSame(warnings, [
      'lost the deploy lock /ecr-deploy-lock/prod/web while this run held it: taken over by "bob" (https://github.com/acme/shop/actions/runs/43), for 10 s since 2026-06-01T12:00:10.000Z, last renewed 10 s ago at 2026-06-01T12:00:10.000Z; another deploy may run now, so this one sends nothing further to the instances',
    ])
    t.throws(check, LockLostError)
    t.throws(check, {
      message:
        /^lost the deploy lock \/ecr-deploy-lock\/prod\/web: taken over by "bob" .*; this run sent nothing further to the instances and wrote nothing more/,
    })
    t.equal(store.valueOf(NAME), taker, 'the taker is not overwritten')
    t.equal(clock.pending, 0, 'no renewal after the loss')
    end()
    await done
    t.equal(store.valueOf(NAME), taker, 'nor deleted at the end')
    t.match(warnings[1], /is no longer this run's: "bob" .* holds it now/)
  },
)

t.test('a lock deleted meanwhile (lock release) is lost too, and not written again', async (t) => {
  const store = new MemoryLockStore()
  const clock = new FakeLockClock(START)
  const warnings: string[] = []
  const { done, check, end } = await holding(store, clock, warnings)
  store.drop(NAME)
  await clock.advance(60_000)
  t.equal(store.valueOf(NAME), undefined)
  t.strictSame(
    store.calls.map((c) => c.method),
    ['create', 'read'],
  )
  t.match(warnings, [
    /^lost the deploy lock \/ecr-deploy-lock\/prod\/web while this run held it: it was deleted \(ecr-deploy lock release\)/,
  ])
  t.throws(check, LockLostError)
  end()
  await done
  t.match(warnings[1], /was already gone at the end/)
})

t.test('a taker that read our renewal as stale and wrote first wins; we put it back and stop', async (t) => {
  const store = new MemoryLockStore()
  const clock = new FakeLockClock(START)
  const warnings: string[] = []
  const { done, check, end } = await holding(store, clock, warnings)
  const taker = BOB
  // The taker read version 1 (ours) and overwrites between our read and our write.
  let taken: boolean | undefined
  store.before = async (call) => {
    if (
      call.method === 'overwrite' &&
      taken === undefined &&
      call.value?.includes('"renewedAt":"2026-06-01T12:00:20')
    ) {
      taken = false
      taken = await takeOver(store, NAME, { value: store.valueOf(NAME) ?? '', version: 1 }, taker)
    }
  }
  await clock.advance(20_000)
  t.equal(taken, true, 'by take-over.ts the taker wins: its write is right after the version it read')
  t.equal(store.valueOf(NAME), lockText(taker), 'our later write was undone')
  t.throws(check, LockLostError)
  t.match(warnings, [/^lost the deploy lock .*: taken over by "bob", for 0 s since 2026-06-01T12:00:20.000Z/])
  end()
  await done
  t.equal(store.valueOf(NAME), lockText(taker), 'the taker keeps it')
})

t.test('a taker that read our lock as stale but wrote after our renewal loses; we keep it', async (t) => {
  const store = new MemoryLockStore()
  const clock = new FakeLockClock(START)
  const warnings: string[] = []
  const { done, check, end } = await holding(store, clock, warnings)
  const read = { value: store.valueOf(NAME) ?? '', version: 1 }
  const taker = BOB
  // The taker read version 1 before our renewal and writes right after it (version 3).
  let taken: boolean | undefined
  store.before = async (call) => {
    if (call.method === 'readVersion' && taken === undefined) {
      taken = false
      taken = await takeOver(store, NAME, read, taker)
    }
  }
  await clock.advance(20_000)
  t.equal(
    taken,
    false,
    'by take-over.ts the taker loses: version 2, our renewal, came right after what it read',
  )
  t.equal(parseLockHolder(store.valueOf(NAME) ?? '')?.token, '0000000a', 'the taker put our renewal back')
  t.doesNotThrow(check)
  t.strictSame(warnings, [])
  store.before = () => {}
  await clock.advance(20_000)
  t.equal(parseLockHolder(store.valueOf(NAME) ?? '')?.renewedAt, '2026-06-01T12:00:40.000Z', 'and renews on')
  end()
  await done
  t.equal(store.valueOf(NAME), undefined)
})

t.test('a renewal that fails is a warning, and the next one renews', async (t) => {
  const store = new MemoryLockStore()
  const clock = new FakeLockClock(START)
  const warnings: string[] = []
  const { done, check, end } = await holding(store, clock, warnings)
  let failures = 0
  store.before = (call) => {
    if (call.method === 'read' && failures++ < 2) throw new Error('Rate exceeded (ThrottlingException)')
  }
  await clock.advance(40_000)
  t.strictSame(warnings, [
    'could not renew the deploy lock /ecr-deploy-lock/prod/web: Rate exceeded (ThrottlingException); trying again in 20 s',
    'could not renew the deploy lock /ecr-deploy-lock/prod/web: Rate exceeded (ThrottlingException); trying again in 20 s',
  ])
  await clock.advance(20_000)
  t.equal(parseLockHolder(store.valueOf(NAME) ?? '')?.renewedAt, '2026-06-01T12:01:00.000Z')
  t.doesNotThrow(check)
  end()
  t.equal(await done, 'report')
  t.equal(warnings.length, 2)
})

t.test(
  'the renewals end with the work: none is left scheduled, and one under way ends before the release',
  async (t) => {
    const store = new MemoryLockStore()
    const clock = new FakeLockClock(START)
    const { done, end } = await holding(store, clock)
    t.equal(clock.pending, 1)
    // A renewal whose write is slow: the work ends while it is under way.
    let writing: () => void = () => {}
    let unblock: () => void = () => {}
    const blocked = new Promise<void>((resolve) => {
      writing = resolve
    })
    store.before = (call) => {
      if (call.method !== 'overwrite') return
      writing()
      return new Promise<void>((resolve) => {
        unblock = resolve
      })
    }
    const beating = clock.advance(20_000)
    await blocked
    end()
    // Let the work's end reach whileLocked's finally, which must wait for the renewal.
    await new Promise<void>((resolve) => setImmediate(resolve))
    t.notOk(
      store.calls.some((c) => c.method === 'remove'),
      'no release while a renewal is under way',
    )
    unblock()
    await beating
    t.equal(await done, 'report')
    t.strictSame(
      store.calls.map((c) => c.method),
      ['create', 'read', 'overwrite', 'readVersion', 'read', 'remove'],
    )
    t.equal(store.valueOf(NAME), undefined, 'the renewal did not write the lock back after the release')
    t.equal(clock.pending, 0, 'no renewal left scheduled')
    await clock.advance(600_000)
    t.equal(store.calls.length, 6, 'none later either')
  },
)

t.test('an interrupt stops the renewals before it releases the lock', async (t) => {
  const store = new MemoryLockStore()
  const clock = new FakeLockClock(START)
  const { done, end } = await holding(store, clock)
  t.strictSame(await runInterruptCleanups(), [])
  t.equal(clock.pending, 0)
  t.equal(store.valueOf(NAME), undefined)
  await clock.advance(60_000)
  t.equal(store.valueOf(NAME), undefined, 'no renewal wrote it back')
  end()
  await done
})
