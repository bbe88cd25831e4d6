import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DescribeDocumentCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm'
import t from 'tap'
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
    'release',
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

// setup iam and setup cloudformation need no AWS: setup-iam-cli.test.ts runs them without the ground.

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
  t.match(
    dry.stdout,
    /^current policy: \(none\)\nprotects 0 deployed image\(s\) from every other rule:\nwould expire \d+ image\(s\)/,
  )
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
  t.match(
    put.stdout,
    `put lifecycle policy on ${repository}: deployed images protected, keep 2 images, untagged expire after 7 days`,
  )
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

t.test(
  'setup pull-through-cache checks the secret, creates the rule once, and never prints the token',
  async (t) => {
    const token = 'dckr_pat_never-printed-0123456789'
    const region = ['--region', ground.region]
    const missing = await cli(
      'setup',
      'pull-through-cache',
      '--secret',
      'ecr-pullthroughcache/hub',
      ...region,
    )
    t.equal(missing.code, 2)
    t.match(
      missing.stderr,
      'error [E_USAGE]: --secret: there is no secret "ecr-pullthroughcache/hub" in Secrets Manager in us-east-1',
    )
    aws.secretsManager.put('ecr-pullthroughcache/hub', JSON.stringify({ username: 'acme', token }))
    const wrongKeys = await cli(
      'setup',
      'pull-through-cache',
      '--secret',
      'ecr-pullthroughcache/hub',
      ...region,
    )
    t.equal(wrongKeys.code, 2)
    t.match(wrongKeys.stderr, '"ecr-pullthroughcache/hub" has no accessToken key (it has username, token)')
    t.notMatch(wrongKeys.stderr + wrongKeys.stdout, token)
    t.notOk(
      aws.calls.some((c) => c.operation === 'CreatePullThroughCacheRule'),
      'nothing created',
    )

    const arn = aws.secretsManager.put(
      'ecr-pullthroughcache/docker-hub',
      JSON.stringify({ username: 'acme', accessToken: token }),
    )
    const first = await cli(
      'setup',
      'pull-through-cache',
      '--secret',
      'ecr-pullthroughcache/docker-hub',
      ...region,
    )
    t.equal(first.code, 0, first.stderr)
    t.match(
      first.stdout,
      `created pull-through cache rule docker-hub -> registry-1.docker.io with credentials ${arn}\n`,
    )
    t.match(first.stdout, 'FROM 123456789012.dkr.ecr.us-east-1.amazonaws.com/docker-hub/library/node:24')
    t.match(first.stdout, 'need the library/ namespace')
    t.notMatch(first.stdout + first.stderr, token)
    const again = await cli(
      'setup',
      'pull-through-cache',
      '--secret',
      'ecr-pullthroughcache/docker-hub',
      ...region,
    )
    t.equal(again.code, 0, again.stderr)
    t.match(again.stdout, /^unchanged: pull-through cache rule docker-hub/)
    t.equal(aws.calls.filter((c) => c.operation === 'CreatePullThroughCacheRule').length, 1, 'created once')

    aws.secretsManager.put(
      'ecr-pullthroughcache/hub',
      JSON.stringify({ username: 'acme', accessToken: token }),
    )
    const other = await cli('setup', 'pull-through-cache', '--secret', 'ecr-pullthroughcache/hub', ...region)
    t.equal(other.code, 2)
    t.match(
      other.stderr,
      /rule "docker-hub" for registry-1\.docker\.io with .*docker-hub-\w{6}, not registry-1\.docker\.io with .*\/hub-\w{6}/,
    )
  },
)
