import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { promisify } from 'node:util'
import t from 'tap'
import { parse } from 'yaml'

const root = new URL('../..', import.meta.url).pathname
const run = promisify(execFile)

interface Action {
  inputs: Record<string, { required?: boolean; default?: string }>
  outputs: Record<string, { value: string }>
  runs: { using: string; steps: Array<{ id?: string; run: string; env?: Record<string, string> }> }
}

t.test(
  'every action input reaches the controller as a flag it accepts, through the environment',
  async (t) => {
    const action = parse(await readFile(`${root}action.yml`, 'utf8')) as Action
    t.equal(action.runs.using, 'composite')
    const deploy = action.runs.steps.find((step) => step.id === 'deploy')
    if (!deploy) throw new Error('action.yml has no deploy step')
    t.notMatch(deploy.run, /\$\{\{/, 'no input is spliced into the script text')
    const help = await run(
      process.execPath,
      ['--import', 'tsx', `${root}controller/cli.ts`, 'deploy', '--help'],
      { cwd: root },
    )
    for (const name of Object.keys(action.inputs)) {
      const flag = name === 'rollback-on-failure' ? '--rollback-on-failure' : `--${name}`
      t.match(help.stdout, flag, `${name} is a controller flag`)
      const variable = `INPUT_${name.toUpperCase().replace(/-/g, '_')}`.replace(
        'INPUT_ROLLBACK_ON_FAILURE',
        'INPUT_ROLLBACK',
      )
      t.equal(deploy.env?.[variable], `\${{ inputs.${name} }}`, `${name} travels as ${variable}`)
      t.match(deploy.run, `$${variable}`, `${variable} is used`)
    }
    t.strictSame(Object.keys(action.outputs).sort(), ['command-id', 'digest'])
  },
)
