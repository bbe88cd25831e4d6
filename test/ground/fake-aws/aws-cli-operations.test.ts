import t from 'tap'
import { awsCli } from './aws-cli-runner.ts'
import { createCloudWatch } from './cloudwatch.ts'
import { createEcr } from './ecr.ts'
import { MemoryRegistryContents } from './index.ts'
import { createSecretsManager } from './secrets-manager.ts'
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
  // aws-cli-ecr-scan-tags.test.ts
  'PutImage',
  'BatchDeleteImage',
  'DescribeImageScanFindings',
  // cloudwatch-alarms.test.ts
  'DescribeAlarms',
  // aws-cli.test.ts
  'CreateRepository',
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
  // The deploy lock's calls: a create without --overwrite is refused as AWS refuses it, a delete drops
  // the history, and a delete of a missing name is ParameterNotFound.
  const again = await (await awsCli(t, aws.endpoint)).fail(
    ...['ssm', 'put-parameter', '--name', '/cli/a', '--value', 'B', '--type', 'String', '--no-overwrite'],
  )
  t.equal(again?.code, 254)
  t.match(
    again?.stderr,
    /\(ParameterAlreadyExists\) when calling the PutParameter operation: The parameter already exists/,
  )
  t.same(await cli('ssm', 'delete-parameter', '--name', '/cli/a'), {})
  const gone = await (await awsCli(t, aws.endpoint)).fail('ssm', 'delete-parameter', '--name', '/cli/a')
  t.equal(gone?.code, 254)
  t.match(gone?.stderr, /\(ParameterNotFound\) when calling the DeleteParameter operation/)
  const anew = await cli('ssm', 'put-parameter', '--name', '/cli/a', '--value', 'A', '--type', 'String')
  t.same(anew, { Version: 1, Tier: 'Standard' }, 'a deleted parameter starts again at version 1')
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
  const started = await cli('ecr', 'start-lifecycle-policy-preview', '--repository-name', 'team/app')
  t.match(started, { repositoryName: 'team/app', lifecyclePolicyText: POLICY, status: 'IN_PROGRESS' })
  const pending = await cli('ecr', 'get-lifecycle-policy-preview', '--repository-name', 'team/app')
  t.match(pending, { status: 'IN_PROGRESS' })
  const preview = await cli('ecr', 'get-lifecycle-policy-preview', '--repository-name', 'team/app')
  t.match(preview, { status: 'COMPLETE', previewResults: [], summary: { expiringImageTotalCount: 0 } })

  const secretArn = aws.secretsManager.put(
    'ecr-pullthroughcache/docker-hub',
    JSON.stringify({ username: 'u', accessToken: 'cli-token' }),
  )
  const described = await cli(
    'secretsmanager',
    'describe-secret',
    '--secret-id',
    'ecr-pullthroughcache/docker-hub',
  )
  t.match(described, { ARN: secretArn, Name: 'ecr-pullthroughcache/docker-hub', CreatedDate: String })
  const value = await cli('secretsmanager', 'get-secret-value', '--secret-id', secretArn)
  t.match(value, { ARN: secretArn, SecretString: '{"username":"u","accessToken":"cli-token"}' })
  // The CLI here (2.9) predates credentialArn, so it creates a rule for an upstream that takes none; the
  // SDK's rule with credentials is checked in ecr-pull-through-cache.test.ts.
  const rule = await cli(
    'ecr',
    'create-pull-through-cache-rule',
    '--ecr-repository-prefix',
    'ecr-public',
    '--upstream-registry-url',
    'public.ecr.aws',
  )
  t.match(rule, {
    ecrRepositoryPrefix: 'ecr-public',
    upstreamRegistryUrl: 'public.ecr.aws',
    createdAt: /^20\d\d-/,
  })
  const rules = await cli('ecr', 'describe-pull-through-cache-rules')
  t.match(rules.pullThroughCacheRules, [
    { ecrRepositoryPrefix: 'ecr-public', upstreamRegistryUrl: 'public.ecr.aws' },
  ])

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
    ...Object.keys(createCloudWatch({ accountId: '1', region: 'us-east-1', now: Date.now }).operations),
    ...Object.keys(createSecretsManager({ accountId: '1', region: 'us-east-1', now: Date.now }).operations),
    'AssumeRoleWithWebIdentity',
  ].sort()
  const checked = new Set([...CHECKED_ELSEWHERE, ...aws.calls.map((c) => c.operation)])
  t.same(
    served.filter((operation) => !checked.has(operation)),
    [],
    'no operation of the fake is left without a CLI check',
  )
})

t.test(
  'the real AWS CLI v2 reads the errors of the fake Secrets Manager and pull-through cache rules',
  async (t) => {
    const { aws } = await fakeWithSsm(t, { contents: new MemoryRegistryContents() })
    const cli = await awsCli(t, aws.endpoint)
    const missing = await cli.fail(
      'secretsmanager',
      'describe-secret',
      '--secret-id',
      'ecr-pullthroughcache/none',
    )
    t.match(missing?.stderr, /ResourceNotFoundException.*can't find the specified secret/)
    const noRule = await cli.fail(
      'ecr',
      'describe-pull-through-cache-rules',
      '--ecr-repository-prefixes',
      'docker-hub',
    )
    t.match(noRule?.stderr, /PullThroughCacheRuleNotFoundException/)
    const noCredentials = await cli.fail(
      'ecr',
      'create-pull-through-cache-rule',
      '--ecr-repository-prefix',
      'docker-hub',
      '--upstream-registry-url',
      'registry-1.docker.io',
    )
    t.match(noCredentials?.stderr, /InvalidParameterException.*credentialArn is required/)
    const noPreview = await cli.fail('ecr', 'get-lifecycle-policy-preview', '--repository-name', 'team/none')
    t.match(noPreview?.stderr, /RepositoryNotFoundException/)
  },
)
