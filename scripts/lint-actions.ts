import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { lintAction, lintWorkflow } from './action-lint.ts'

/** `npm run lint:actions`: action.yml and the example workflow the README shows. */
const root = fileURLToPath(new URL('..', import.meta.url))
const WORKFLOWS = ['docs/examples/deploy.yml']

const action = await readFile(`${root}action.yml`, 'utf8')
const problems = lintAction(action)
for (const name of WORKFLOWS)
  problems.push(...lintWorkflow(name, await readFile(`${root}${name}`, 'utf8'), action))
for (const problem of problems) process.stderr.write(`${problem}\n`)
if (problems.length > 0) process.exitCode = 1
else process.stdout.write(`action.yml and ${WORKFLOWS.join(', ')} pass\n`)
