import {
  CreateDocumentCommand,
  DescribeDocumentCommand,
  DescribeInstanceInformationCommand,
  GetParameterCommand,
  GetParameterHistoryCommand,
  GetParametersCommand,
  PutParameterCommand,
  UpdateDocumentCommand,
} from '@aws-sdk/client-ssm'
import t from 'tap'
import { fakeWithSsm, shellDocument } from './test-clients.ts'

t.test('documents have versions, $LATEST/$DEFAULT and the service errors', async (t) => {
  const { ssm } = await fakeWithSsm(t)
  const v1 = shellDocument(['echo one'], { who: { type: 'String', default: 'me', description: 'who' } })
  const created = await ssm.send(
    new CreateDocumentCommand({
      Name: 'test-doc',
      Content: v1,
      DocumentType: 'Command',
      DocumentFormat: 'JSON',
    }),
  )
  t.match(created.DocumentDescription, {
    Name: 'test-doc',
    DocumentVersion: '1',
    LatestVersion: '1',
    DefaultVersion: '1',
    Status: 'Active',
    SchemaVersion: '2.2',
  })
  t.same(created.DocumentDescription?.Parameters, [
    { Name: 'who', Type: 'String', Description: 'who', DefaultValue: 'me' },
  ])
  t.type(created.DocumentDescription?.CreatedDate, Date)
  await t.rejects(ssm.send(new CreateDocumentCommand({ Name: 'test-doc', Content: v1 })), {
    name: 'DocumentAlreadyExists',
  })
  await t.rejects(
    ssm.send(new UpdateDocumentCommand({ Name: 'test-doc', Content: v1, DocumentVersion: '$LATEST' })),
    {
      name: 'DuplicateDocumentContent',
    },
  )
  const v2 = shellDocument(['echo two'])
  const updated = await ssm.send(
    new UpdateDocumentCommand({ Name: 'test-doc', Content: v2, DocumentVersion: '$LATEST' }),
  )
  t.match(updated.DocumentDescription, { DocumentVersion: '2', LatestVersion: '2', DefaultVersion: '1' })
  const latest = await ssm.send(new DescribeDocumentCommand({ Name: 'test-doc', DocumentVersion: '$LATEST' }))
  t.equal(latest.Document?.DocumentVersion, '2')
  const byDefault = await ssm.send(new DescribeDocumentCommand({ Name: 'test-doc' }))
  t.equal(byDefault.Document?.DocumentVersion, '1')
  t.not(latest.Document?.Hash, byDefault.Document?.Hash)
  await t.rejects(ssm.send(new DescribeDocumentCommand({ Name: 'test-doc', DocumentVersion: '9' })), {
    name: 'InvalidDocumentVersion',
  })
  await t.rejects(ssm.send(new DescribeDocumentCommand({ Name: 'nope-doc' })), { name: 'InvalidDocument' })
  await t.rejects(ssm.send(new CreateDocumentCommand({ Name: 'bad-doc', Content: '{"mainSteps":[]}' })), {
    name: 'InvalidDocumentContent',
  })
})

t.test('parameters have versions, Overwrite and history', async (t) => {
  const { ssm } = await fakeWithSsm(t)
  await t.rejects(ssm.send(new GetParameterCommand({ Name: '/app/desired' })), { name: 'ParameterNotFound' })
  const first = await ssm.send(new PutParameterCommand({ Name: '/app/desired', Value: 'v1', Type: 'String' }))
  t.equal(first.Version, 1)
  await t.rejects(ssm.send(new PutParameterCommand({ Name: '/app/desired', Value: 'v2', Type: 'String' })), {
    name: 'ParameterAlreadyExists',
  })
  const second = await ssm.send(
    new PutParameterCommand({ Name: '/app/desired', Value: 'v2', Overwrite: true }),
  )
  t.equal(second.Version, 2)
  const got = await ssm.send(new GetParameterCommand({ Name: '/app/desired' }))
  t.match(got.Parameter, {
    Name: '/app/desired',
    Type: 'String',
    Value: 'v2',
    Version: 2,
    ARN: 'arn:aws:ssm:us-east-1:123456789012:parameter/app/desired',
  })
  t.type(got.Parameter?.LastModifiedDate, Date)
  const history = await ssm.send(new GetParameterHistoryCommand({ Name: '/app/desired', MaxResults: 1 }))
  t.same(
    history.Parameters?.map((p) => p.Value),
    ['v1'],
  )
  const rest = await ssm.send(
    new GetParameterHistoryCommand({ Name: '/app/desired', NextToken: history.NextToken }),
  )
  t.same(
    rest.Parameters?.map((p) => [p.Value, p.Version]),
    [['v2', 2]],
  )
  t.equal(rest.NextToken, undefined)
})

t.test(
  'GetParameter reads one version by its selector, and says when that version does not exist',
  async (t) => {
    const { ssm } = await fakeWithSsm(t)
    for (const value of ['v1', 'v2', 'v3']) {
      await ssm.send(
        new PutParameterCommand({ Name: '/app/r', Value: value, Type: 'String', Overwrite: true }),
      )
    }
    const second = await ssm.send(new GetParameterCommand({ Name: '/app/r:2' }))
    t.match(second.Parameter, { Name: '/app/r', Selector: ':2', Value: 'v2', Version: 2 })
    await t.rejects(ssm.send(new GetParameterCommand({ Name: '/app/r:9' })), {
      name: 'ParameterVersionNotFound',
      message: 'Systems Manager could not find version 9 of /app/r. Verify the version and try again.',
    })
    await t.rejects(ssm.send(new GetParameterCommand({ Name: '/other:1' })), { name: 'ParameterNotFound' })
  },
)

t.test('DescribeInstanceInformation shows simulated instances and filters them', async (t) => {
  const { aws, ssm } = await fakeWithSsm(t)
  aws.ssm.addInstance({ id: 'i-0000000000000000a', tags: { Role: 'web' } })
  aws.ssm.addInstance({ id: 'i-0000000000000000b', tags: { Role: 'db' }, online: false })
  const all = await ssm.send(new DescribeInstanceInformationCommand({}))
  t.same(
    all.InstanceInformationList?.map((i) => [i.InstanceId, i.PingStatus, i.PlatformType]),
    [
      ['i-0000000000000000a', 'Online', 'Linux'],
      ['i-0000000000000000b', 'ConnectionLost', 'Linux'],
    ],
  )
  const web = await ssm.send(
    new DescribeInstanceInformationCommand({ Filters: [{ Key: 'tag:Role', Values: ['web'] }] }),
  )
  t.same(
    web.InstanceInformationList?.map((i) => i.InstanceId),
    ['i-0000000000000000a'],
  )
  aws.faults.setInstanceOnline('i-0000000000000000b', true)
  const online = await ssm.send(
    new DescribeInstanceInformationCommand({ Filters: [{ Key: 'PingStatus', Values: ['Online'] }] }),
  )
  t.equal(online.InstanceInformationList?.length, 2)
})

t.test('Parameter Store keeps 100 versions and drops the oldest', async (t) => {
  const { ssm } = await fakeWithSsm(t)
  for (let n = 1; n <= 102; n++) {
    await ssm.send(
      new PutParameterCommand({ Name: '/many', Value: `v${n}`, Type: 'String', Overwrite: true }),
    )
  }
  const versions: number[] = []
  let NextToken: string | undefined
  do {
    const page = await ssm.send(new GetParameterHistoryCommand({ Name: '/many', MaxResults: 50, NextToken }))
    versions.push(...(page.Parameters ?? []).map((p) => p.Version ?? 0))
    NextToken = page.NextToken
  } while (NextToken)
  t.same(
    versions,
    Array.from({ length: 100 }, (_, i) => i + 3),
    'versions 1 and 2 are gone',
  )
  const current = await ssm.send(new GetParameterCommand({ Name: '/many' }))
  t.match(current.Parameter, { Value: 'v102', Version: 102 })
  await t.rejects(ssm.send(new GetParameterCommand({ Name: '/many:2' })), {
    name: 'ParameterVersionNotFound',
  })
  t.match((await ssm.send(new GetParameterCommand({ Name: '/many:3' }))).Parameter, { Value: 'v3' })
  await t.rejects(ssm.send(new GetParameterHistoryCommand({ Name: '/many', MaxResults: 51 })), {
    name: 'ValidationException',
  })
})

t.test('GetParameters answers the names it has and lists the others as invalid', async (t) => {
  const { ssm } = await fakeWithSsm(t)
  await ssm.send(new PutParameterCommand({ Name: '/app/a', Value: 'A', Type: 'String' }))
  await ssm.send(new PutParameterCommand({ Name: '/app/secret', Value: 's3cret', Type: 'SecureString' }))
  const out = await ssm.send(
    new GetParametersCommand({ Names: ['/app/a', '/app/missing', '/app/secret'], WithDecryption: true }),
  )
  t.same(
    out.Parameters?.map((p) => [p.Name, p.Value, p.Version]),
    [
      ['/app/a', 'A', 1],
      ['/app/secret', 's3cret', 1],
    ],
  )
  t.same(out.InvalidParameters, ['/app/missing'])
  const encrypted = await ssm.send(new GetParametersCommand({ Names: ['/app/secret'] }))
  t.not(encrypted.Parameters?.[0]?.Value, 's3cret', 'SecureString stays encrypted without WithDecryption')
  await t.rejects(
    ssm.send(new GetParametersCommand({ Names: Array.from({ length: 11 }, (_, i) => `/p${i}`) })),
    { name: 'ValidationException' },
  )
})
