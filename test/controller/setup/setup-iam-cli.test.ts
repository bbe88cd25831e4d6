import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import type { Template } from '../../../controller/setup/cloudformation.ts'
import type { IamDocuments } from '../../../controller/setup/iam-documents.ts'
import { compileCacheEnv } from '../../support/compile-cache-env.ts'

// `setup iam` and `setup cloudformation` make no AWS call: run as a user would, with no ground.
const root = new URL('../../..', import.meta.url).pathname
const run = promisify(execFile)
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH ?? '', HOME: tmpdir(), ...compileCacheEnv() }
  return run(process.execPath, [join(root, 'controller/cli.ts'), ...args], {
    env,
    cwd: root,
  })
    .then((out) => ({ code: 0, ...out }))
    .catch((error: { code: number; stdout: string; stderr: string }) => error)
}

const dir = await mkdtemp(join(tmpdir(), 'ecr-deploy-iam-'))
t.teardown(() => rm(dir, { recursive: true, force: true }))
const agentYaml = join(dir, 'agent.yaml')
await writeFile(
  agentYaml,
  `services:
  web:
    repository: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/web
    envFromParameters:
      DATABASE_URL: /app/prod/web/database-url
      SENTRY_DSN: /shared/prod/sentry-dsn
`,
)
const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'
// biome-ignore format: flag and value pairs
const flags = [
  '--github-repo', 'acme/shop',
  '--environment', 'prod',
  '--service', 'web',
  '--service', 'api',
  '--account', '123456789012',
  '--region', 'eu-west-1',
  '--tag', 'Role=web',
  '--repository', 'shop/web',
  '--parameter-path', '/app/prod/api/',
  '--agent-config', agentYaml,
  '--kms-key', KEY,
  '--pull-through-cache', 'docker-hub',
]

t.test(
  'setup cloudformation embeds exactly the policies setup iam prints, statement by statement',
  async (t) => {
    const [iam, cfn] = await Promise.all([
      cli('setup', 'iam', ...flags),
      cli('setup', 'cloudformation', ...flags),
    ])
    t.equal(iam.code, 0, iam.stderr)
    t.equal(cfn.code, 0, cfn.stderr)
    const printed = JSON.parse(iam.stdout) as IamDocuments
    const template = JSON.parse(cfn.stdout) as Template
    const ci = template.Resources.CiRole?.Properties as Record<string, unknown>
    const instance = template.Resources.InstanceRole?.Properties as Record<string, unknown>
    const policies = (properties: Record<string, unknown>) =>
      Object.fromEntries(
        (properties.Policies as { PolicyName: string; PolicyDocument: IamDocuments['ciRolePolicy'] }[]).map(
          (p) => [p.PolicyName, p.PolicyDocument],
        ),
      )
    const pairs = [
      ['ci', printed.ciRolePolicy, policies(ci)['ecr-ssm-deploy-ci']],
      ['instance', printed.instanceRolePolicy, policies(instance)['ecr-ssm-deploy-instance']],
      ['ssm agent', printed.ssmAgentPolicy, policies(instance)['ecr-ssm-deploy-ssm-agent']],
    ] as const
    for (const [name, fromIam, fromCfn] of pairs) {
      t.equal(fromCfn?.Statement.length, fromIam.Statement.length, `${name}: as many statements`)
      fromIam.Statement.forEach((statement, index) => {
        t.strictSame(fromCfn?.Statement[index], statement, `${name}: ${statement.Sid}`)
      })
    }
    t.strictSame(ci.AssumeRolePolicyDocument, printed.ciRoleTrustPolicy)
    t.strictSame(printed.instanceRoleManagedPolicyArns, [])
    t.notOk('ManagedPolicyArns' in instance)

    // What the flags asked for reached the documents.
    const releases = printed.ciRolePolicy.Statement.find((s) => s.Sid === 'ReleasesOfTheseServices')
    t.strictSame(releases?.Resource, [
      'arn:aws:ssm:eu-west-1:123456789012:parameter/ecr-deploy/prod/web',
      'arn:aws:ssm:eu-west-1:123456789012:parameter/ecr-deploy/prod/api',
    ])
    const own = printed.instanceRolePolicy.Statement.find((s) => s.Sid === 'ServiceParameters')
    t.strictSame(own?.Resource, [
      'arn:aws:ssm:eu-west-1:123456789012:parameter/app/prod/api/*',
      'arn:aws:ssm:eu-west-1:123456789012:parameter/app/prod/web/database-url',
      'arn:aws:ssm:eu-west-1:123456789012:parameter/shared/prod/sentry-dsn',
    ])
    const decrypt = printed.instanceRolePolicy.Statement.find((s) => s.Sid === 'DecryptSecureStringsViaSsm')
    t.strictSame(decrypt?.Resource, [KEY])
  },
)

t.test('--ssm-managed-instance-core attaches the wider managed policy to both', async (t) => {
  const [iam, cfn] = await Promise.all([
    cli('setup', 'iam', ...flags, '--ssm-managed-instance-core'),
    cli('setup', 'cloudformation', ...flags, '--ssm-managed-instance-core'),
  ])
  const arns = ['arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore']
  t.strictSame((JSON.parse(iam.stdout) as IamDocuments).instanceRoleManagedPolicyArns, arns)
  t.strictSame(
    (JSON.parse(cfn.stdout) as Template).Resources.InstanceRole?.Properties.ManagedPolicyArns,
    arns,
  )
})

t.test('wrong flags are refused with exit 2 and say what to do', async (t) => {
  const base = flags.slice(0, flags.indexOf('--parameter-path'))
  // biome-ignore format: one case a line
  const cases: Array<[string[], RegExp]> = [
    [[...base, '--branch', 'main'], /give either --branch or --environment, not both/],
    [
      base.filter((_, i) => i !== 2 && i !== 3).concat('--branch', 'main'),
      /--namespace: name the release namespace \(e\.g\. --namespace staging\) when the trust is for a branch/,
    ],
    [base.map((f) => (f === 'prod' ? 'Production' : f)), /--environment: "Production" cannot name the release namespace .*give --namespace too/],
    [[...base, '--namespace', 'Prod_1'], /--namespace: "Prod_1" is not a namespace name/],
    [base.filter((f) => f !== '--service' && f !== 'web' && f !== 'api'), /--service: name at least one service/],
    [[...base, '--parameter-path', '/ecr-deploy/prod/'], /--parameter-path: "\/ecr-deploy\/prod\/" is under \/ecr-deploy\//],
    [[...base, '--parameter-path', '/app/prod/web'], /--parameter-path: "\/app\/prod\/web" is not a Parameter Store path/],
    [[...base, '--kms-key', 'alias/aws/ssm'], /--kms-key: "alias\/aws\/ssm" is not a KMS key ARN/],
    [[...base, '--kms-key', KEY.replace('eu-west-1', 'us-east-1')], /is not in eu-west-1/],
    [[...base, '--agent-config', join(dir, 'missing.yaml')], /--agent-config: cannot read .*missing\.yaml \(ENOENT\)/],
  ]
  for (const [args, message] of cases) {
    const result = await cli('setup', 'iam', ...args)
    t.equal(result.code, 2, args.join(' '))
    t.match(result.stderr, message)
    t.equal(result.stdout, '', 'nothing printed')
  }
})

t.test('a secret named under /ecr-deploy/ in agent.yaml is refused, naming the key', async (t) => {
  const old = join(dir, 'old.yaml')
  await writeFile(
    old,
    `services:
  web:
    repository: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/web
    envFromParameters:
      DATABASE_URL: /ecr-deploy/web/database-url
`,
  )
  const at = flags.indexOf('--agent-config') + 1
  const result = await cli('setup', 'iam', ...flags.map((f, i) => (i === at ? old : f)))
  t.equal(result.code, 2)
  t.match(
    result.stderr,
    /old\.yaml: services\.web\.envFromParameters\.DATABASE_URL: "\/ecr-deploy\/web\/database-url" is under \/ecr-deploy\/, which holds releases: move the parameter outside it/,
  )
})

t.test('setup iam --pull-through-cache grants the cache prefix to the instance role', async (t) => {
  const iam = await cli('setup', 'iam', ...flags)
  t.equal(iam.code, 0, iam.stderr)
  const documents = JSON.parse(iam.stdout) as IamDocuments
  t.match(documents.instanceRolePolicy.Statement, [
    {},
    {},
    {},
    {},
    {
      Sid: 'PullThroughCachePull',
      Resource: ['arn:aws:ecr:eu-west-1:123456789012:repository/docker-hub/*'],
    },
    {
      Sid: 'PullThroughCacheImport',
      Action: ['ecr:BatchImportUpstreamImage', 'ecr:CreateRepository'],
      Resource: ['arn:aws:ecr:eu-west-1:123456789012:repository/docker-hub/*'],
    },
  ])
})
