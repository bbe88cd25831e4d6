import { existsSync } from 'node:fs'
import t from 'tap'
import { githubDeploymentInputs } from '../../controller/action/github-inputs.ts'
import { type ActionInputReader, deployFlagsFromInputs } from '../../controller/action/inputs.ts'
import { ACTION_OUTPUTS } from '../../controller/action/outputs.ts'
import { actionMetadata } from '../support/runner-env.ts'

const root = new URL('../..', import.meta.url).pathname
const action = actionMetadata()

t.test('a JavaScript action on node24 whose main is the committed bundle', async (t) => {
  t.equal(action.runs.using, 'node24')
  t.equal(action.runs.main, 'action/index.js')
  t.ok(existsSync(`${root}${action.runs.main}`), 'the bundle is in the repository')
  t.equal(action.runs.steps, undefined, 'no step installs or builds anything at run time')
})

t.test('every output the action sets is declared, and nothing else', async (t) => {
  t.strictSame(Object.keys(action.outputs).sort(), [...ACTION_OUTPUTS].sort())
  for (const [name, output] of Object.entries(action.outputs)) {
    t.match(output.description, /\S/, `${name} is described`)
    t.equal(output.value, undefined, `${name} is set by the action itself, not mapped from a step`)
  }
})

t.test('the action reads exactly the inputs action.yml declares, required ones as required', async (t) => {
  const read: Array<{ name: string; required: boolean }> = []
  const recorder: ActionInputReader = {
    getInput: (name, options) => {
      read.push({ name, required: options?.required === true })
      return action.inputs[name]?.default ?? 'x'
    },
    getMultilineInput: (name, options) => {
      read.push({ name, required: options?.required === true })
      return []
    },
  }
  deployFlagsFromInputs(recorder)
  githubDeploymentInputs(recorder)
  t.strictSame(read.map((r) => r.name).sort(), Object.keys(action.inputs).sort())
  for (const { name, required } of read) {
    t.equal(required, action.inputs[name]?.required === true, `${name} required: ${required}`)
    t.equal(
      required,
      action.inputs[name]?.default === undefined,
      `${name} has a default exactly when it is optional`,
    )
  }
})
