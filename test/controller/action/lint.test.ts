import { readFile } from 'node:fs/promises'
import t from 'tap'
import { lintAction, lintWorkflow } from '../../../scripts/action-lint.ts'

const root = new URL('../../..', import.meta.url).pathname
const action = await readFile(`${root}action.yml`, 'utf8')
const example = await readFile(`${root}docs/examples/deploy.yml`, 'utf8')

t.test('action.yml and the example workflow pass', async (t) => {
  t.strictSame(lintAction(action), [])
  t.strictSame(lintWorkflow('deploy.yml', example, action), [])
})

t.test('action.yml: a wrong runtime or a key outside the schema fails', async (t) => {
  t.strictSame(lintAction(action.replace('using: node24', 'using: composite')), [
    'action.yml: runs.using is composite, expected node24',
  ])
  t.match(lintAction(action.replace('branding:', 'brandig:')).join('\n'), /Additional property 'brandig'/)
  t.match(lintAction(action.replace('  main: action/index.js\n', '')).join('\n'), /\/runs/)
  t.match(lintAction('name: [x\n'), [/^action\.yml: /])
})

t.test('the workflow: schema, and only the inputs and outputs action.yml declares', async (t) => {
  t.match(lintWorkflow('w.yml', example.replace('runs-on:', 'runs_on:'), action).join('\n'), /runs_on/)
  t.strictSame(lintWorkflow('w.yml', example.replace('max-errors:', 'max-error:'), action), [
    'w.yml: jobs.deploy: input "max-error" is not declared in action.yml',
  ])
  t.strictSame(lintWorkflow('w.yml', example.replace('          service: web\n', ''), action), [
    'w.yml: jobs.deploy: required input "service" is not given',
  ])
  t.strictSame(lintWorkflow('w.yml', example.replace('outputs.rolled-back', 'outputs.rolledback'), action), [
    'w.yml: steps.deploy.outputs.rolledback is not declared in action.yml',
  ])
})
