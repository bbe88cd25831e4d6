import t from 'tap'
import { parseDeployFlags, parseTargets } from '../../controller/options.ts'
import { UsageError } from '../../shared/errors.ts'

const ORIGIN = { actor: 'octocat' }

const flags = {
  service: 'web',
  environment: 'prod',
  image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:v2',
  targets: 'tag:Role=web',
  maxConcurrency: '25%',
  maxErrors: '0',
  timeout: '900',
}

t.test('valid flags become frozen options; the region falls back to the image', async (t) => {
  const options = parseDeployFlags(flags, {}, ORIGIN)
  t.equal(options.region, 'eu-west-1')
  t.equal(parseDeployFlags(flags, { AWS_REGION: 'us-east-2' }, ORIGIN).region, 'us-east-2')
  t.equal(options.documentName, 'ecr-ssm-deploy')
  t.ok(Object.isFrozen(options))
  t.strictSame(parseTargets('tag:Role=web, tag:Env=prod'), {
    kind: 'targets',
    targets: [
      { key: 'tag:Role', values: ['web'] },
      { key: 'tag:Env', values: ['prod'] },
    ],
  })
})

t.test('each bad flag is named with what is expected', async (t) => {
  const cases: Array<[Partial<typeof flags> & { instanceIds?: string[] }, string]> = [
    [
      { targets: 'tag:Role' },
      '--targets: "tag:Role" is not a target: expected tag:<Key>=<Value> or tag-key=<Key>, e.g. tag:Role=web',
    ],
    [{ targets: 'tag:A=1,tag:A=2' }, '--targets: "tag:A" is given twice; give each key once'],
    [
      { maxConcurrency: '0' },
      '--max-concurrency: "0" is not a count (1 or more) or a percentage (1% to 100%)',
    ],
    [{ maxErrors: '101%' }, '--max-errors: "101%" is not a count (0 or more) or a percentage (0% to 100%)'],
    [{ timeout: '10' }, '--timeout: "10" is not a whole number of seconds from 30 to 2592000'],
    [{ instanceIds: ['i-0123456789abcdef0'] }, 'give either --targets or --instance-ids, not both'],
    [
      { environment: '' },
      'no environment: give --environment <name>, e.g. --environment prod; releases are kept per environment and service in /ecr-deploy/<environment>/<service>',
    ],
    [
      { environment: 'Prod/x' },
      '--environment: "Prod/x" is not an environment name: 1 to 32 lower-case letters, digits and "-", starting with a letter or digit, e.g. prod',
    ],
  ]
  for (const [override, message] of cases) {
    t.throws(() => parseDeployFlags({ ...flags, ...override }, {}, ORIGIN), new UsageError(message), message)
  }
  const { targets: _targets, ...noTargets } = flags
  t.throws(
    () => parseDeployFlags({ ...noTargets, instanceIds: ['i-nope'] }, {}, ORIGIN),
    /"i-nope" is not an instance id/,
  )
})
