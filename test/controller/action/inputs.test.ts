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
  const env = runnerInputEnv({ service: 'web', environment: 'prod', image: IMAGE, ...given })
  const before = Object.keys(process.env).filter((key) => key.startsWith('INPUT_'))
  for (const key of before) delete process.env[key]
  Object.assign(process.env, env)
  t.teardown(() => {
    for (const key of Object.keys(env)) delete process.env[key]
  })
  return read()
}

const optionsOf = (t: Test, given: Record<string, string>) =>
  withInputs(t, given, () =>
    parseDeployFlags(deployFlagsFromInputs(core), { AWS_REGION: 'eu-west-1' }, { actor: 'octocat' }),
  )

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
      environment: 'prod',
      targets: 'tag:Role=web',
      maxConcurrency: '25%',
      maxErrors: '0',
      timeout: '900',
      lockWait: '0',
      lockTtl: '3600',
      document: 'ecr-ssm-deploy',
    },
    'empty optional inputs are left out',
  )
  const options = optionsOf(t, { targets: 'tag:Role=web', comment: 'ship it' })
  t.equal(options.environment, 'prod')
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

t.test('a workflow that names no environment is told to set it', async (t) => {
  t.throws(
    () => optionsOf(t, { targets: 'tag:Role=web', environment: '' }),
    new UsageError(
      'no environment: give --environment <name>, e.g. --environment prod; releases are kept per environment and service in /ecr-deploy/<environment>/<service>',
    ),
  )
})

t.test('toolkit refusals become usage errors that name the input', async (t) => {
  t.throws(
    () =>
      withInputs(t, {}, () => {
        delete process.env[inputVariable('image')]
        return deployFlagsFromInputs(core)
      }),
    new UsageError('input image: Input required and not supplied: image'),
  )
})

t.test('the scan gate and the deployed tags from inputs', async (t) => {
  const options = optionsOf(t, {
    targets: 'tag:Role=web',
    'max-severity': 'CRITICAL',
    'scan-timeout': '120',
    'allow-unscanned': 'true',
    'keep-deployed': '5',
  })
  t.strictSame(options.scanGate, { maxSeverity: 'CRITICAL', timeoutSeconds: 120, allowUnscanned: true })
  t.equal(options.keepDeployed, 5)
  t.equal(optionsOf(t, { targets: 'tag:Role=web' }).scanGate, undefined, 'no gate by default')
  t.throws(
    () => optionsOf(t, { targets: 'tag:Role=web', 'max-severity': 'MEDIUM' }),
    new UsageError('--max-severity: "MEDIUM" is not a level: give HIGH or CRITICAL'),
  )
  t.throws(
    () => optionsOf(t, { targets: 'tag:Role=web', 'allow-unscanned': 'yes' }),
    new UsageError('input allow-unscanned: "yes" is not true or false'),
  )
})

t.test('waves, bake and alarm inputs become the rollout; none of them, no rollout', async (t) => {
  const options = optionsOf(t, { targets: 'tag:Role=web', waves: '1,10%', bake: '60', alarm: 'web-health' })
  t.strictSame(options.rollout, {
    waves: [
      { kind: 'count', count: 1 },
      { kind: 'percent', percent: 10 },
      { kind: 'percent', percent: 100 },
    ],
    bakeSeconds: 60,
    alarm: 'web-health',
  })
  t.strictSame(optionsOf(t, { targets: 'tag:Role=web', canary: '2' }).rollout?.waves.length, 2)
  t.notOk('rollout' in optionsOf(t, { targets: 'tag:Role=web' }))
  t.throws(() => optionsOf(t, { targets: 'tag:Role=web', canary: '1', waves: '1,100%' }), {
    constructor: UsageError,
    message: /either --canary or --waves/,
  })
})

t.test('prepull is on by default; "false" skips the pull before the first wave', async (t) => {
  t.notOk('prepull' in optionsOf(t, { targets: 'tag:Role=web' }))
  t.equal(optionsOf(t, { targets: 'tag:Role=web', prepull: 'false' }).prepull, false)
  t.throws(() => optionsOf(t, { targets: 'tag:Role=web', prepull: 'no' }), {
    constructor: UsageError,
    message: 'input prepull: "no" is not "true" or "false"',
  })
})
