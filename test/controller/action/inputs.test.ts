import * as core from '@actions/core'
import t, { type Test } from 'tap'
import { deployFlagsFromInputs } from '../../../controller/action/inputs.ts'
import { parseDeployFlags } from '../../../controller/options.ts'
import { UsageError } from '../../../shared/errors.ts'
import { inputVariable, runnerInputEnv } from '../../support/runner-env.ts'

/*
 * The inputs read by the toolkit itself from the environment the runner sets (defaults from action.yml
 * included), then validated by the controller's own flag parser.
 */
const IMAGE = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:v1'

function withInputs<T>(t: Test, given: Record<string, string>, read: () => T): T {
  const env = runnerInputEnv({ service: 'web', image: IMAGE, ...given })
  const before = Object.keys(process.env).filter((key) => key.startsWith('INPUT_'))
  for (const key of before) delete process.env[key]
  Object.assign(process.env, env)
  t.teardown(() => {
    for (const key of Object.keys(env)) delete process.env[key]
  })
  return read()
}

const optionsOf = (t: Test, given: Record<string, string>) =>
  withInputs(t, given, () => parseDeployFlags(deployFlagsFromInputs(core), { AWS_REGION: 'eu-west-1' }))

const idsOf = (t: Test, ids: string) => {
  const targeting = optionsOf(t, { 'instance-ids': ids }).targeting
  return targeting.kind === 'instances' ? targeting.instanceIds : []
}

t.test('the defaults from action.yml make a valid deploy', async (t) => {
  t.strictSame(
    withInputs(t, { targets: 'tag:Role=web' }, () => deployFlagsFromInputs(core)),
    {
      service: 'web',
      image: IMAGE,
      targets: 'tag:Role=web',
      maxConcurrency: '25%',
      maxErrors: '0',
      timeout: '900',
      document: 'ecr-ssm-deploy',
      rollbackOnFailure: false,
    },
    'empty optional inputs are left out',
  )
  const options = optionsOf(t, { targets: 'tag:Role=web', 'rollback-on-failure': 'true', comment: 'ship it' })
  t.equal(options.rollbackOnFailure, true)
  t.equal(options.comment, 'ship it')
  t.equal(options.region, 'eu-west-1')
})

t.test('instance-ids: every id of a newline, space or comma separated list', async (t) => {
  const three = ['i-0123456789abcdef0', 'i-0123456789abcdef1', 'mi-0123456789abcdef2']
  t.strictSame(idsOf(t, three.join('\n')), three, 'one id a line')
  t.strictSame(idsOf(t, `\n  ${three[0]}\n\n${three[1]}  \n${three[2]}\n`), three, 'blank lines and padding')
  t.strictSame(idsOf(t, three.join(' ')), three, 'spaces')
  t.strictSame(idsOf(t, three.join(', ')), three, 'commas')
  t.strictSame(idsOf(t, `${three[0]},${three[1]}\n${three[2]} ${three[0]}`), three, 'mixed, repeats once')
})

t.test('a bad instance id is named, before anything else happens', async (t) => {
  t.throws(() => optionsOf(t, { 'instance-ids': 'i-0123456789abcdef0\ni-nothex\ni-0123456789abcdef1' }), {
    name: 'UsageError',
    message: '--instance-ids: "i-nothex" is not an instance id such as i-0123456789abcdef0',
  })
})

t.test('targets and instance-ids together, or neither, are refused', async (t) => {
  t.throws(() => optionsOf(t, { targets: 'tag:Role=web', 'instance-ids': 'i-0123456789abcdef0' }), {
    message: 'give either --targets or --instance-ids, not both',
  })
  t.throws(() => optionsOf(t, {}), { message: /^no target: / })
})

t.test('toolkit refusals become usage errors that name the input', async (t) => {
  t.throws(
    () => withInputs(t, { 'rollback-on-failure': 'yes' }, () => deployFlagsFromInputs(core)),
    new UsageError(
      'input rollback-on-failure: Input does not meet YAML 1.2 "Core Schema" specification: rollback-on-failure Support boolean input list: `true | True | TRUE | false | False | FALSE`',
    ),
  )
  t.throws(
    () =>
      withInputs(t, {}, () => {
        delete process.env[inputVariable('image')]
        return deployFlagsFromInputs(core)
      }),
    new UsageError('input image: Input required and not supplied: image'),
  )
})
