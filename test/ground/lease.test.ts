import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { openLeaseBook } from './lease.ts'

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'ground-lease-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** A pid that surely belongs to no running process: a child that already exited. */
function deadPid(): number {
  return spawnSync('true').pid ?? 1
}

t.test('counts live leases and drops those of dead processes', async (t) => {
  const dir = tempDir(t)
  const book = openLeaseBook(dir)
  book.take(process.pid)
  book.take(deadPid())
  t.strictSame(book.liveHolders(), [process.pid])
  t.strictSame(readdirSync(join(dir, 'leases')), [String(process.pid)], 'the dead lease file is gone')
  book.release(process.pid)
  t.strictSame(book.liveHolders(), [])
})

t.test('the lock admits one holder at a time', async (t) => {
  const book = openLeaseBook(tempDir(t))
  const order: string[] = []
  const holder = (name: string) =>
    book.withLock(5000, async () => {
      order.push(`${name} in`)
      await sleep(50)
      order.push(`${name} out`)
    })
  await Promise.all([holder('a'), holder('b')])
  t.strictSame(order, ['a in', 'a out', 'b in', 'b out'])
})

t.test('a lock left by a dead process is taken over; a live one times out', async (t) => {
  const dir = tempDir(t)
  mkdirSync(join(dir, 'lock'))
  writeFileSync(join(dir, 'lock', 'pid'), String(deadPid()))
  const book = openLeaseBook(dir)
  t.equal(await book.withLock(2000, async () => 'taken'), 'taken')

  mkdirSync(join(dir, 'lock'))
  writeFileSync(join(dir, 'lock', 'pid'), String(process.pid))
  await t.rejects(
    book.withLock(300, async () => 'never'),
    /timed out after 300 ms waiting for the ground lock/,
  )
})
