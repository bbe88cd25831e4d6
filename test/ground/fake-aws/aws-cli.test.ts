import { CreateDocumentCommand, PutParameterCommand } from '@aws-sdk/client-ssm'
import t from 'tap'
import { until } from '../until.ts'
import { awsCli } from './aws-cli-runner.ts'
import { MemoryRegistryContents } from './index.ts'
import { fakeWithSsm, shellDocument } from './test-clients.ts'

const INSTANCE = 'i-0000000000000000a'

// The evidence that the fake speaks AWS: the real CLI v2 (not the pip v1 that may shadow it on PATH)
// must accept every answer. CI installs it; a missing CLI is a failure, never a skip.
t.test('the real AWS CLI v2 accepts the fake SSM and ECR answers', async (t) => {
  const contents = new MemoryRegistryContents()
  const digest = contents.push(
    'team/app',
    'v1',
    JSON.stringify({ schemaVersion: 2, config: { size: 10 }, layers: [{ size: 90 }] }),
  )
  const { aws, ssm } = await fakeWithSsm(t, {
    contents,
    registry: { url: 'https://reg.example', user: 'AWS', password: 'cli-password' },
  })
  const cli = (await awsCli(t, aws.endpoint)).json

  await ssm.send(
    new CreateDocumentCommand({
      Name: 'cli-doc',
      Content: shellDocument(['echo "hello $SSM_who"'], {
        who: { type: 'String', allowedPattern: '^[a-z]+$', interpolationType: 'ENV_VAR' },
      }),
    }),
  )
  aws.ssm.addInstance({ id: INSTANCE, tags: { Role: 'web' } })
  const sent = await cli(
    'ssm',
    'send-command',
    '--document-name',
    'cli-doc',
    '--targets',
    'Key=tag:Role,Values=web',
    '--parameters',
    'who=world',
    '--max-concurrency',
    '1',
    '--max-errors',
    '0',
    '--timeout-seconds',
    '60',
  )
  const command = sent.Command as { CommandId: string; Status: string; TargetCount: number }
  t.match(command, { Status: 'Pending', TargetCount: 1 })
  await aws.ssm.settled()
  const list = await cli('ssm', 'list-command-invocations', '--command-id', command.CommandId, '--details')
  t.match(list.CommandInvocations, [
    {
      InstanceId: INSTANCE,
      Status: 'Success',
      CommandPlugins: [{ Name: 'run', Output: 'hello world\n', ResponseCode: 0 }],
    },
  ])
  const inv = await cli(
    'ssm',
    'get-command-invocation',
    '--command-id',
    command.CommandId,
    '--instance-id',
    INSTANCE,
  )
  t.match(inv, {
    Status: 'Success',
    StatusDetails: 'Success',
    StandardOutputContent: 'hello world\n',
    ResponseCode: 0,
  })

  const token = await cli('ecr', 'get-authorization-token')
  const data = (token.authorizationData as { authorizationToken: string; proxyEndpoint: string }[])[0]
  t.equal(Buffer.from(data?.authorizationToken ?? '', 'base64').toString(), 'AWS:cli-password')
  t.equal(data?.proxyEndpoint, 'https://reg.example')
  const images = await cli(
    'ecr',
    'describe-images',
    '--repository-name',
    'team/app',
    '--image-ids',
    'imageTag=v1',
  )
  t.match(images.imageDetails, [{ imageDigest: digest, imageTags: ['v1'], imageSizeInBytes: 100 }])
  const policy = JSON.stringify({
    rules: [
      {
        rulePriority: 1,
        description: 'expire untagged images after a day',
        selection: {
          tagStatus: 'untagged',
          countType: 'sinceImagePushed',
          countUnit: 'days',
          countNumber: 1,
        },
        action: { type: 'expire' },
      },
    ],
  })
  const put = await cli(
    'ecr',
    'put-lifecycle-policy',
    '--repository-name',
    'team/app',
    '--lifecycle-policy-text',
    policy,
  )
  t.match(put, { repositoryName: 'team/app', lifecyclePolicyText: policy, registryId: '123456789012' })
  t.equal(aws.ecr.lifecyclePolicy('team/app'), policy)

  const created = await cli(
    'ecr',
    'create-repository',
    '--repository-name',
    'shop/new',
    '--image-tag-mutability',
    'IMMUTABLE',
    '--image-scanning-configuration',
    'scanOnPush=true',
  )
  t.match(created.repository, {
    repositoryName: 'shop/new',
    imageTagMutability: 'IMMUTABLE',
    imageScanningConfiguration: { scanOnPush: true },
    repositoryUri: 'reg.example/shop/new',
  })
  const described = await cli('ecr', 'describe-repositories', '--repository-names', 'shop/new')
  t.match(described.repositories, [{ repositoryName: 'shop/new', imageTagMutability: 'IMMUTABLE' }])
  const noImages = await cli('ecr', 'describe-images', '--repository-name', 'shop/new')
  t.strictSame(noImages.imageDetails, [], 'a created repository has no images until one is pushed')

  await ssm.send(new PutParameterCommand({ Name: '/app/desired', Value: 'v1', Type: 'String' }))
  const param = await cli('ssm', 'get-parameter', '--name', '/app/desired')
  t.match(param.Parameter, { Name: '/app/desired', Value: 'v1', Version: 1, Type: 'String' })
  await ssm.send(new PutParameterCommand({ Name: '/app/desired', Value: 'v2', Overwrite: true }))
  const first = await cli('ssm', 'get-parameter', '--name', '/app/desired:1')
  t.match(first.Parameter, { Name: '/app/desired', Selector: ':1', Value: 'v1', Version: 1 })
  t.ok(
    aws.calls.filter((c) => c.service !== 'sts').every((c) => c.accessKeyId !== undefined),
    'every call was signed',
  )
})

t.test('the CLI shows service errors by their __type (exit 254)', async (t) => {
  const { aws, ssm } = await fakeWithSsm(t)
  const failure = await (await awsCli(t, aws.endpoint)).fail('ssm', 'get-parameter', '--name', '/missing')
  t.equal(failure?.code, 254)
  t.match(failure?.stderr, /\(ParameterNotFound\)/)
  await ssm.send(new PutParameterCommand({ Name: '/one', Value: 'v1', Type: 'String' }))
  const version = await (await awsCli(t, aws.endpoint)).fail('ssm', 'get-parameter', '--name', '/one:2')
  t.equal(version?.code, 254)
  t.match(version?.stderr, /\(ParameterVersionNotFound\).*could not find version 2 of \/one/)
})

t.test(
  'InvocationDoesNotExist right after SendCommand is the error the CLI knows and waits out',
  async (t) => {
    const { aws, ssm } = await fakeWithSsm(t)
    await ssm.send(new CreateDocumentCommand({ Name: 'cli-lag', Content: shellDocument(['echo done']) }))
    aws.ssm.addInstance({ id: INSTANCE })
    const cli = await awsCli(t, aws.endpoint)
    // Longer than the test, so every read below meets the window until the test ends it.
    aws.ssm.setInvocationLag(3_600_000)
    const sent = await cli.json(
      'ssm',
      'send-command',
      '--document-name',
      'cli-lag',
      '--instance-ids',
      INSTANCE,
    )
    const id = (sent.Command as { CommandId: string }).CommandId
    const args = ['--command-id', id, '--instance-id', INSTANCE]
    const failure = await cli.fail('ssm', 'get-command-invocation', ...args)
    t.equal(failure?.code, 254)
    t.match(
      failure?.stderr,
      /An error occurred \(InvocationDoesNotExist\) when calling the GetCommandInvocation operation/,
    )
    // The CLI's command-executed waiter retries on exactly this error code and fails on any other.
    const waiting = cli.fail('ssm', 'wait', 'command-executed', ...args)
    const before = aws.ssm.withheld.length
    await until('the waiter to meet the window', () => (aws.ssm.withheld.length > before ? true : undefined))
    aws.ssm.setInvocationLag(0)
    t.equal(await waiting, undefined, 'the waiter ended with the command executed')
  },
)

t.test('the real AWS CLI v2 reads one version of a parameter by selector', async (t) => {
  const { ssm, aws } = await fakeWithSsm(t)
  const run = await awsCli(t, aws.endpoint)
  for (const value of ['v1', 'v2']) {
    await ssm.send(
      new PutParameterCommand({ Name: '/app/release', Value: value, Type: 'String', Overwrite: true }),
    )
  }
  const first = await run.json('ssm', 'get-parameter', '--name', '/app/release:1')
  t.match(first.Parameter, { Name: '/app/release', Value: 'v1', Version: 1, Selector: ':1' })
  const newest = await run.json('ssm', 'get-parameter', '--name', '/app/release')
  t.match(newest.Parameter, { Name: '/app/release', Value: 'v2', Version: 2 })
  t.notOk('Selector' in (newest.Parameter as object), 'no selector asked, none answered')
  const failure = await run.fail('ssm', 'get-parameter', '--name', '/app/release:3')
  t.equal(failure?.code, 254)
  t.match(failure?.stderr, /\(ParameterVersionNotFound\).*version 3 of \/app\/release/)
})

t.test('the real AWS CLI v2 accepts the fake document update answers', async (t) => {
  const { ssm, aws } = await fakeWithSsm(t)
  const cli = (await awsCli(t, aws.endpoint)).json
  await ssm.send(new CreateDocumentCommand({ Name: 'cli-doc', Content: shellDocument(['echo one']) }))
  const updated = await cli(
    'ssm',
    'update-document',
    '--name',
    'cli-doc',
    '--document-version',
    '$LATEST',
    '--content',
    shellDocument(['echo two']),
  )
  t.match(updated.DocumentDescription, { Name: 'cli-doc', DocumentVersion: '2', DefaultVersion: '1' })
  const moved = await cli(
    'ssm',
    'update-document-default-version',
    '--name',
    'cli-doc',
    '--document-version',
    '2',
  )
  t.match(moved.Description, { Name: 'cli-doc', DefaultVersion: '2' })
  const described = await cli(
    'ssm',
    'describe-document',
    '--name',
    'cli-doc',
    '--document-version',
    '$LATEST',
  )
  t.match(described.Document, {
    DocumentVersion: '2',
    LatestVersion: '2',
    DefaultVersion: '2',
    HashType: 'Sha256',
  })
})
