import t from 'tap'
import { awsCli } from './aws-cli-runner.ts'
import { createEcr } from './ecr.ts'
import { MemoryRegistryContents } from './index.ts'
import { createSsm } from './ssm/index.ts'
import { fakeWithSsm, shellDocument } from './test-clients.ts'

/** Operations the real CLI already parses in aws-cli.test.ts and aws-cli-paging.test.ts. */
const CHECKED_ELSEWHERE = [
  'SendCommand',
  'ListCommands',
  'ListCommandInvocations',
  'GetCommandInvocation',
  'DescribeInstanceInformation',
  'DescribeDocument',
  'GetParameter',
  'GetParameterHistory',
  'GetAuthorizationToken',
  'DescribeImages',
  'PutLifecyclePolicy',
]

const POLICY = JSON.stringify({
  rules: [
    {
      rulePriority: 1,
      description: 'expire untagged images after a day',
      selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 },
      action: { type: 'expire' },
    },
  ],
})

// Every operation the fake serves must be one the real CLI v2 parses: the rest of the fake's answers
// are checked here, and the last test fails when an operation is added without a CLI check.
t.test('the real AWS CLI v2 parses every other operation of the fake', async (t) => {
  const contents = new MemoryRegistryContents()
  const digest = contents.push('team/app', 'v1', JSON.stringify({ schemaVersion: 2, layers: [] }))
  const { aws } = await fakeWithSsm(t, { contents })
  const cli = (await awsCli(t, aws.endpoint)).json
  const A = 'i-0000000000000000a'
  aws.ssm.addInstance({ id: A })

  const created = await cli(
    'ssm',
    'create-document',
    '--name',
    'cli-ops',
    '--content',
    shellDocument(['sleep 20']),
  )
  t.match(created.DocumentDescription, { Name: 'cli-ops', DocumentVersion: '1', Status: 'Active' })
  const updated = await cli(
    'ssm',
    'update-document',
    '--name',
    'cli-ops',
    '--content',
    shellDocument(['sleep 21']),
    '--document-version',
    '$LATEST',
  )
  t.match(updated.DocumentDescription, { DocumentVersion: '2', LatestVersion: '2' })
  const defaulted = await cli(
    'ssm',
    'update-document-default-version',
    '--name',
    'cli-ops',
    '--document-version',
    '2',
  )
  t.match(defaulted.Description, { Name: 'cli-ops', DefaultVersion: '2' })

  const sent = await cli('ssm', 'send-command', '--document-name', 'cli-ops', '--instance-ids', A)
  const CommandId = (sent.Command as { CommandId: string }).CommandId
  t.same(await cli('ssm', 'cancel-command', '--command-id', CommandId), {})
  await aws.ssm.settled()
  t.equal(aws.ssm.command(CommandId)?.status, 'Cancelled')

  const put = await cli('ssm', 'put-parameter', '--name', '/cli/a', '--value', 'A', '--type', 'String')
  t.same(put, { Version: 1, Tier: 'Standard' })
  const many = await cli('ssm', 'get-parameters', '--names', '/cli/a', '/cli/missing')
  t.match(many, {
    Parameters: [{ Name: '/cli/a', Value: 'A', Version: 1 }],
    InvalidParameters: ['/cli/missing'],
  })

  const repos = await cli('ecr', 'describe-repositories')
  t.match(repos.repositories, [{ repositoryName: 'team/app' }])
  const images = await cli(
    'ecr',
    'batch-get-image',
    '--repository-name',
    'team/app',
    '--image-ids',
    'imageTag=v1',
  )
  t.match(images.images, [{ imageId: { imageDigest: digest, imageTag: 'v1' } }])
  await cli('ecr', 'put-lifecycle-policy', '--repository-name', 'team/app', '--lifecycle-policy-text', POLICY)
  const policy = await cli('ecr', 'get-lifecycle-policy', '--repository-name', 'team/app')
  t.match(policy, { repositoryName: 'team/app', lifecyclePolicyText: POLICY })

  const role = await cli(
    'sts',
    'assume-role-with-web-identity',
    '--role-arn',
    'arn:aws:iam::123456789012:role/deploy',
    '--role-session-name',
    'cli',
    '--web-identity-token',
    'eyJh.eyJz.c2ln',
  )
  t.match(role.Credentials, { AccessKeyId: /^ASIA/, SessionToken: String })

  const served = [
    ...Object.keys(createSsm({ accountId: '1', region: 'us-east-1', now: Date.now }).operations),
    ...Object.keys(
      createEcr({
        accountId: '1',
        region: 'us-east-1',
        registryHost: 'r',
        password: 'p',
        contents: new MemoryRegistryContents(),
        now: Date.now,
      }).operations,
    ),
    'AssumeRoleWithWebIdentity',
  ].sort()
  const checked = new Set([...CHECKED_ELSEWHERE, ...aws.calls.map((c) => c.operation)])
  t.same(
    served.filter((operation) => !checked.has(operation)),
    [],
    'no operation of the fake is left without a CLI check',
  )
})
