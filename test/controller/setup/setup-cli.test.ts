import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DescribeDocumentCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm'
import t from 'tap'
import { ciRolePolicy, githubTrustPolicy, instanceRolePolicy } from '../../../controller/setup/iam.ts'
import { testKeys } from '../../ground/fake-aws/test-clients.ts'
import { loadGround } from '../../ground/ground.ts'
import { startFakeOnGround } from '../../support/ground-aws.ts'
import { runController } from '../../support/run-controller.ts'

const ground = loadGround()
const aws = await startFakeOnGround(ground)
const home = await mkdtemp(join(tmpdir(), 'ecr-deploy-setup-'))
t.teardown(async () => {
  await aws.close()
  await rm(home, { recursive: true, force: true })
})
const cli = (...args: string[]) => runController(aws, home, args)
const ssm = new SSMClient({ endpoint: aws.endpoint, region: ground.region, credentials: testKeys() })

t.test('setup document installs the document once, then reports it unchanged', async (t) => {
  const first = await cli('setup', 'document', '--region', ground.region)
  t.equal(first.code, 0, first.stderr)
  t.equal(first.stdout, 'created document ecr-ssm-deploy (version 1)\n')
  const again = await cli('setup', 'document', '--region', ground.region)
  t.equal(again.stdout, 'unchanged document ecr-ssm-deploy (version 1)\n')
  const described = await ssm.send(new DescribeDocumentCommand({ Name: 'ecr-ssm-deploy' }))
  t.strictSame(described.Document?.Parameters?.map((p) => p.Name).sort(), [
    'action',
    'image',
    'service',
    'to',
  ])
  aws.ssm.addInstance({ id: 'i-0000000000000000a' })
  await t.rejects(
    ssm.send(
      new SendCommandCommand({
        DocumentName: 'ecr-ssm-deploy',
        InstanceIds: ['i-0000000000000000a'],
        Parameters: { action: ['reboot'], service: ['web'] },
      }),
    ),
    { name: 'InvalidParameters' },
    'the installed document refuses an action it does not know',
  )
})

const iamArgs = [
  '--github-repo',
  'acme/shop',
  '--environment',
  'prod',
  '--account',
  '123456789012',
  '--region',
  'eu-west-1',
  '--tag',
  'Role=web',
  '--repository',
  'shop/web',
]

t.test('setup iam prints exactly the builders’ documents', async (t) => {
  const result = await cli('setup', 'iam', ...iamArgs)
  t.equal(result.code, 0, result.stderr)
  const input = {
    githubRepo: 'acme/shop',
    environment: 'prod',
    accountId: '123456789012',
    region: 'eu-west-1',
    repositories: ['shop/web'],
    tag: { key: 'Role', value: 'web' },
    documentName: 'ecr-ssm-deploy',
  }
  t.strictSame(JSON.parse(result.stdout), {
    ciRoleTrustPolicy: githubTrustPolicy(input),
    ciRolePolicy: ciRolePolicy(input),
    instanceRolePolicy: instanceRolePolicy(input),
    instanceRoleManagedPolicyArns: ['arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore'],
  })
  const bad = await cli('setup', 'iam', ...iamArgs, '--branch', 'main')
  t.equal(bad.code, 2)
  t.match(bad.stderr, /give either --branch or --environment, not both/)
})

t.test('setup cloudformation prints a template with the same policies', async (t) => {
  const result = await cli('setup', 'cloudformation', ...iamArgs, '--no-oidc-provider')
  t.equal(result.code, 0, result.stderr)
  const template = JSON.parse(result.stdout) as { Resources: Record<string, { Type: string }> }
  t.notOk('GitHubOidcProvider' in template.Resources)
  t.equal(template.Resources.DeployDocument?.Type, 'AWS::SSM::Document')
})

t.test('setup lifecycle previews, then puts a policy the fake ECR validates', async (t) => {
  const repository = ground.images.v1.repository
  const dry = await cli(
    'setup',
    'lifecycle',
    '--repository',
    repository,
    '--keep',
    '2',
    '--dry-run',
    '--region',
    ground.region,
  )
  t.equal(dry.code, 0, dry.stderr)
  t.match(dry.stdout, /^current policy: \(none\)\nwould expire \d+ image\(s\)/)
  t.match(dry.stdout, /dry run: policy not put/)
  const put = await cli(
    'setup',
    'lifecycle',
    '--repository',
    repository,
    '--keep',
    '2',
    '--region',
    ground.region,
  )
  t.equal(put.code, 0, put.stderr)
  t.match(put.stdout, `put lifecycle policy on ${repository}: keep 2 images, untagged expire after 7 days`)
  const shown = await cli(
    'setup',
    'lifecycle',
    '--repository',
    repository,
    '--dry-run',
    '--region',
    ground.region,
  )
  t.match(shown.stdout, /^current policy: \{"rules":\[\{"rulePriority":1/)
  const zero = await cli(
    'setup',
    'lifecycle',
    '--repository',
    repository,
    '--keep',
    '0',
    '--region',
    ground.region,
  )
  t.equal(zero.code, 2)
  t.match(zero.stderr, /--keep must be a whole number of at least 1, found 0/)
})
