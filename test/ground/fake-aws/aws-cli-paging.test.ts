import { CreateDocumentCommand, PutParameterCommand, SendCommandCommand } from '@aws-sdk/client-ssm'
import t from 'tap'
import { awsCli } from './aws-cli-runner.ts'
import { MemoryRegistryContents } from './index.ts'
import { fakeWithSsm, shellDocument } from './test-clients.ts'

// The CLI follows pagination tokens by itself and aborts when one repeats, so these prove the tokens
// work and stop on the last page.
t.test('the CLI pages through SSM and ECR lists', async (t) => {
  const contents = new MemoryRegistryContents()
  for (const tag of ['v1', 'v2', 'v3']) contents.push('team/app', tag, JSON.stringify({ tag, layers: [] }))
  const { aws, ssm } = await fakeWithSsm(t, { contents })
  const cli = (await awsCli(t, aws.endpoint)).json
  for (const value of ['a', 'b', 'c']) {
    await ssm.send(new PutParameterCommand({ Name: '/paged', Value: value, Type: 'String', Overwrite: true }))
  }
  const history = await cli('ssm', 'get-parameter-history', '--name', '/paged', '--page-size', '1')
  t.same(
    (history.Parameters as { Value: string }[]).map((p) => p.Value),
    ['a', 'b', 'c'],
  )
  const images = await cli('ecr', 'describe-images', '--repository-name', 'team/app', '--page-size', '1')
  t.same((images.imageDetails as { imageTags: string[] }[]).map((d) => d.imageTags[0]).sort(), [
    'v1',
    'v2',
    'v3',
  ])

  for (const n of [1, 2, 3, 4, 5, 6])
    aws.ssm.addInstance({ id: `i-${String(n).padStart(17, '0')}`, tags: { Role: 'web' } })
  const instances = await cli('ssm', 'describe-instance-information', '--page-size', '5')
  t.equal((instances.InstanceInformationList as unknown[]).length, 6)
  await ssm.send(new CreateDocumentCommand({ Name: 'echo-doc', Content: shellDocument(['echo hi']) }))
  await ssm.send(
    new SendCommandCommand({ DocumentName: 'echo-doc', Targets: [{ Key: 'tag:Role', Values: ['web'] }] }),
  )
  await aws.ssm.settled()
  const invocations = await cli('ssm', 'list-command-invocations', '--details', '--page-size', '4')
  t.same(
    (invocations.CommandInvocations as { Status: string }[]).map((i) => i.Status),
    Array(6).fill('Success'),
  )
  const commands = await cli('ssm', 'list-commands', '--filters', 'key=DocumentName,value=echo-doc')
  t.match(commands.Commands, [
    { DocumentName: 'echo-doc', Status: 'Success', TargetCount: 6, CompletedCount: 6 },
  ])
  const doc = await cli('ssm', 'describe-document', '--name', 'echo-doc', '--document-version', '$LATEST')
  t.match(doc.Document, { Name: 'echo-doc', DocumentVersion: '1', Status: 'Active' })
})
