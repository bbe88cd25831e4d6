import t from 'tap'
import { type LockHolder, lockText } from '../../../controller/lock/lock-record.ts'
import { takeOver } from '../../../controller/lock/take-over.ts'
import { MemoryLockStore } from '../../support/memory-lock-store.ts'

const NAME = '/ecr-deploy-lock/prod/web'
const holder = (token: string, takesOver?: string): LockHolder => ({
  format: 1,
  token,
  actor: token,
  acquiredAt: '2026-06-01T12:00:00.000Z',
  ...(takesOver === undefined ? {} : { takesOver }),
})
const STALE = lockText(holder('0000000a'))

t.test('of two takers that read the same stale lock, only the first write after it wins', async (t) => {
  const store = new MemoryLockStore()
  store.put(NAME, STALE)
  const stale = { value: STALE, version: 1 }
  const first = holder('0000000b', '0000000a')
  const second = holder('0000000c', '0000000a')
  // The second taker's overwrite lands between the first's read and its own: it is version 2.
  let raced = false
  store.before = async (call) => {
    if (call.method === 'overwrite' && !raced) {
      raced = true
      t.equal(await takeOver(store, NAME, stale, second), true, 'the write right after the stale one wins')
    }
  }
  t.equal(await takeOver(store, NAME, stale, first), false, 'the later write loses')
  t.equal(store.valueOf(NAME), lockText(second), 'the loser put the winner back')
})

t.test('a taker loses when the stale lock was released and created again before its write', async (t) => {
  const store = new MemoryLockStore()
  store.put(NAME, STALE)
  const stale = { value: STALE, version: 1 }
  const fresh = lockText(holder('0000000d'))
  store.before = (call) => {
    if (call.method === 'overwrite' && store.valueOf(NAME) === STALE) {
      store.drop(NAME)
      store.put(NAME, fresh)
    }
  }
  // Its write is version 2 of the new history: right after version 1, but version 1 is not the stale one.
  t.equal(await takeOver(store, NAME, stale, holder('0000000e', '0000000a')), false)
  t.equal(store.valueOf(NAME), fresh, 'the new holder is put back')
})

t.test('a taker whose write created the parameter anew holds it', async (t) => {
  const store = new MemoryLockStore()
  t.equal(await takeOver(store, NAME, { value: STALE, version: 3 }, holder('0000000f', '0000000a')), true)
})

t.test('a loser does not put the winner back over a newer write than its own', async (t) => {
  const store = new MemoryLockStore()
  store.put(NAME, STALE)
  store.put(NAME, lockText(holder('0000000b', '0000000a')))
  const newer = lockText(holder('0000000c', '0000000a'))
  store.before = (call) => {
    if (call.method === 'read') store.put(NAME, newer)
  }
  t.equal(await takeOver(store, NAME, { value: STALE, version: 1 }, holder('0000000d', '0000000a')), false)
  t.equal(store.valueOf(NAME), newer)
})
