import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { ensureHostNames } from './hosts-file.ts'

t.test('adds missing names once and leaves existing lines alone', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ground-hosts-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const hosts = join(dir, 'hosts')
  writeFileSync(hosts, '127.0.0.1 localhost\n10.0.0.9 mapped.example # already here')
  const entries = { 'mapped.example': '127.0.0.1', 'new.example': '127.0.0.2' }
  ensureHostNames(entries, hosts)
  ensureHostNames(entries, hosts)
  t.equal(
    readFileSync(hosts, 'utf8'),
    '127.0.0.1 localhost\n10.0.0.9 mapped.example # already here\n127.0.0.2 new.example\n',
  )
})
