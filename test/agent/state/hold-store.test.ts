import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { FileHoldStore } from '../../../agent/state/hold-store.ts'
import { InternalError, UsageError } from '../../../shared/errors.ts'

const HOLD = {
  service: 'web',
  digest: `sha256:${'1'.repeat(64)}`,
  reason: 'manual rollback to r1',
  since: 'x',
}

function tempDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'agent-holds-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

t.test(
  'holds round-trip through a new store, root-only, with no temp file left; release removes',
  async (t) => {
    const dir = tempDir(t)
    t.equal(await new FileHoldStore(dir).read('web'), undefined)
    await new FileHoldStore(dir).write(HOLD)
    t.strictSame(await new FileHoldStore(dir).read('web'), HOLD)
    t.strictSame(readdirSync(join(dir, 'holds')), ['web.json'])
    t.equal(statSync(join(dir, 'holds', 'web.json')).mode & 0o777, 0o600)
    await new FileHoldStore(dir).release('web')
    await new FileHoldStore(dir).release('web')
    t.equal(await new FileHoldStore(dir).read('web'), undefined)
  },
)

t.test('a corrupt hold says which file to delete; a bad service name never becomes a path', async (t) => {
  const dir = tempDir(t)
  const store = new FileHoldStore(dir)
  await store.write(HOLD)
  writeFileSync(join(dir, 'holds', 'web.json'), '{"service":')
  await t.rejects(store.read('web'), InternalError)
  await t.rejects(store.read('web'), { message: /holds\/web\.json is not valid JSON; delete it/ })
  await t.rejects(store.read('../etc'), UsageError)
})
