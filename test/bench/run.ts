import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * `npm run bench`: runs every `test/bench/*.bench.ts` (or the names given as arguments, e.g.
 * `npm run bench -- agent`) one after another, each in its own Node process so that one benchmark's
 * memory and timers cannot skew the next. Benchmarks print figures; they never fail on a time.
 */
const dir = fileURLToPath(new URL('.', import.meta.url))
const root = fileURLToPath(new URL('../../', import.meta.url))
const filters = process.argv.slice(2)
const files = readdirSync(dir)
  .filter((name) => name.endsWith('.bench.ts'))
  .filter((name) => filters.length === 0 || filters.some((filter) => name.includes(filter)))
  .sort()

if (files.length === 0) {
  process.stderr.write(`no benchmark matches ${filters.join(', ') || '*.bench.ts'} in ${dir}\n`)
  process.exitCode = 2
}
let failed = 0
for (const name of files) {
  process.stdout.write(`\n== ${name} ==\n`)
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(dir, name)], {
    cwd: root,
    stdio: 'inherit',
  })
  if (run.status !== 0) {
    failed += 1
    process.stdout.write(`${name} failed (exit ${run.status ?? run.signal})\n`)
  }
}
if (failed > 0) process.exitCode = 1
