import { readFileSync } from 'node:fs'
import t from 'tap'
import * as errors from '../../shared/errors.ts'

type ErrorClass = new (message: string) => errors.DeployToolError
const classes = (Object.values(errors) as unknown[]).filter(
  (value): value is ErrorClass =>
    typeof value === 'function' && value.prototype instanceof errors.DeployToolError,
)

t.test('every catalogue code has exactly one class and is documented in the README', async (t) => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
  const codes = classes.map((Class) => new Class('x').code)
  t.equal(new Set(codes).size, codes.length, 'codes are unique across classes')
  t.strictSame([...codes].sort(), Object.keys(errors.catalogue).sort(), 'each code has a class')
  for (const code of codes) t.match(readme, code, `${code} is documented`)
})

t.test('formatError prints code, message and hint; exitCodeOf maps kinds', async (t) => {
  const error = new errors.BusyError('service "web" is being deployed')
  t.equal(
    errors.formatError(error),
    `error [E_BUSY]: service "web" is being deployed\nhint: ${errors.catalogue.E_BUSY.hint}`,
  )
  t.equal(errors.exitCodeOf(error), errors.ExitCode.busy)
  t.equal(errors.exitCodeOf(new Error('boom')), errors.ExitCode.internal)
  t.match(errors.formatError(new Error('boom')), /^error \[E_INTERNAL\]: boom/)
})
