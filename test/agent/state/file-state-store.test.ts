import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { FileStateStore } from '../../../agent/state/file-state-store.ts'
import { emptyLedger } from '../../../agent/state/ledger.ts'
import { InternalError, UsageError } from '../../../shared/errors.ts'

function store() {
  const dir = mkdtempSync(join(tmpdir(), 'agent-state-'))
  return { dir, store: new FileStateStore(dir) }
}

t.test('an unknown service reads as an empty ledger; writes round-trip and leave no temp file', async (t) => {
  const { dir, store: s } = store()
  t.strictSame(await s.read('web'), emptyLedger('web'))
  t.strictSame(await s.services(), [])
  const ledger = { ...emptyLedger('web'), nextSequence: 7 }
  await s.write(ledger)
  await s.write({ ...ledger, nextSequence: 8 })
  t.strictSame(await s.read('web'), { ...ledger, nextSequence: 8 })
  t.strictSame(readdirSync(join(dir, 'services')), ['web.json'])
  t.equal(statSync(join(dir, 'services', 'web.json')).mode & 0o777, 0o600)
  t.strictSame(await s.services(), ['web'])
})

t.test('a corrupt file is an InternalError naming it; a bad service name never becomes a path', async (t) => {
  const { dir, store: s } = store()
  await s.write(emptyLedger('web'))
  writeFileSync(join(dir, 'services', 'web.json'), '{"service":')
  await t.rejects(s.read('web'), { constructor: InternalError, message: /web\.json is not valid JSON/ })
  await t.rejects(s.read('../etc'), UsageError)
})
