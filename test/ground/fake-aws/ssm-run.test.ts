import {
  CreateDocumentCommand,
  GetCommandInvocationCommand,
  ListCommandInvocationsCommand,
  ListCommandsCommand,
  SendCommandCommand,
} from '@aws-sdk/client-ssm'
import t, { type Test } from 'tap'
import { fakeWithSsm, shellDocument } from './test-clients.ts'

const A = 'i-0000000000000000a'
const B = 'i-0000000000000000b'

const deployDoc = shellDocument(
  [
    'echo "service=$SSM_service image={{ image }} from=$FROM_INSTANCE action={{action}}"',
    '{{ extra }}',
    'pwd; ls -A | wc -l',
    'echo "warn" >&2',
  ],
  {
    service: { type: 'String', allowedPattern: '^[a-z][a-z0-9-]{0,30}$', interpolationType: 'ENV_VAR' },
    image: { type: 'String', default: 'none', allowedPattern: '^[a-z0-9:.-]*$' },
    action: { type: 'String', default: 'deploy', allowedValues: ['deploy', 'status'] },
    extra: { type: 'StringList', default: ['echo extra-default'] },
  },
)

async function withDocument(t: Test) {
  const fake = await fakeWithSsm(t)
  await fake.ssm.send(
    new CreateDocumentCommand({ Name: 'deploy-doc', Content: deployDoc, DocumentType: 'Command' }),
  )
  fake.aws.ssm.addInstance({ id: A, tags: { Role: 'web', Name: 'web-a' }, env: { FROM_INSTANCE: 'a' } })
  fake.aws.ssm.addInstance({ id: B, tags: { Role: 'db' }, env: { FROM_INSTANCE: 'b' } })
  return fake
}

t.test('SendCommand runs the document per instance with parameters, env and a fresh cwd', async (t) => {
  const { aws, ssm } = await withDocument(t)
  const sent = await ssm.send(
    new SendCommandCommand({
      DocumentName: 'deploy-doc',
      InstanceIds: [A, B],
      Parameters: { service: ['web-app'], extra: ['echo first', 'echo second'] },
      Comment: 'test run',
    }),
  )
  const id = sent.Command?.CommandId ?? ''
  t.match(id, /^[0-9a-f-]{36}$/)
  t.match(sent.Command, {
    Status: 'Pending',
    TargetCount: 2,
    MaxConcurrency: '50',
    MaxErrors: '0',
    Comment: 'test run',
  })
  t.type(sent.Command?.RequestedDateTime, Date)
  await aws.ssm.settled()
  const inv = await ssm.send(new GetCommandInvocationCommand({ CommandId: id, InstanceId: B }))
  t.match(inv, {
    Status: 'Success',
    StatusDetails: 'Success',
    ResponseCode: 0,
    PluginName: 'run',
    DocumentName: 'deploy-doc',
  })
  const lines = (inv.StandardOutputContent ?? '').trim().split('\n')
  t.equal(lines[0], 'service=web-app image=none from=b action=deploy')
  t.same(
    lines.slice(1, 3),
    ['first', 'second'],
    'a whole-string StringList placeholder expands into commands',
  )
  t.match(lines[3], /fake-ssm-run-.*\/work$/, 'runs in a fresh temp dir')
  t.equal(lines[4], '0', 'the working directory starts empty')
  t.equal(inv.StandardErrorContent, 'warn\n')
  t.match(inv.ExecutionStartDateTime, /^\d{4}-\d\d-\d\dT/)
  t.match(inv.ExecutionElapsedTime, /^PT\d+\.\d+S$/)
  const list = await ssm.send(new ListCommandInvocationsCommand({ CommandId: id, Details: true }))
  t.same(list.CommandInvocations?.map((i) => [i.InstanceId, i.InstanceName, i.Status]).sort(), [
    [A, 'web-a', 'Success'],
    [B, '', 'Success'],
  ])
  const plugin = list.CommandInvocations?.[0]?.CommandPlugins?.[0]
  t.match(plugin, { Name: 'run', Status: 'Success', StatusDetails: 'Success', ResponseCode: 0 })
  t.match(plugin?.Output, /----------ERROR-------\nwarn/)
  const brief = await ssm.send(new ListCommandInvocationsCommand({ CommandId: id }))
  t.same(brief.CommandInvocations?.[0]?.CommandPlugins, [], 'plugins only with Details')
  const commands = await ssm.send(new ListCommandsCommand({ CommandId: id }))
  t.match(commands.Commands?.[0], {
    Status: 'Success',
    StatusDetails: 'Success',
    TargetCount: 2,
    CompletedCount: 2,
    ErrorCount: 0,
  })
  await t.rejects(
    ssm.send(new GetCommandInvocationCommand({ CommandId: id, InstanceId: 'i-0000000000000000c' })),
    {
      name: 'InvocationDoesNotExist',
    },
  )
})

t.test('parameters are validated before anything runs (InvalidParameters)', async (t) => {
  const { aws, ssm } = await withDocument(t)
  const send = (Parameters: Record<string, string[]>) =>
    ssm.send(new SendCommandCommand({ DocumentName: 'deploy-doc', InstanceIds: [A], Parameters }))
  await t.rejects(send({ service: ['web; rm -rf /'] }), { name: 'InvalidParameters' }, 'allowedPattern')
  await t.rejects(
    send({ service: ['web'], action: ['destroy'] }),
    { name: 'InvalidParameters' },
    'allowedValues',
  )
  await t.rejects(send({ service: ['web'], unknown: ['x'] }), { name: 'InvalidParameters' }, 'unknown name')
  await t.rejects(send({}), { name: 'InvalidParameters' }, 'missing required')
  await t.rejects(send({ service: ['a', 'b'] }), { name: 'InvalidParameters' }, 'two values for a String')
  await aws.ssm.settled()
  t.equal((await ssm.send(new ListCommandsCommand({}))).Commands?.length, 0, 'no command was stored')
})

t.test('targets: tag:Key, tag-key, InstanceIds limits, unknown instances, zero targets', async (t) => {
  const { aws, ssm } = await withDocument(t)
  const send = (input: Partial<ConstructorParameters<typeof SendCommandCommand>[0]>) =>
    ssm.send(
      new SendCommandCommand({ DocumentName: 'deploy-doc', Parameters: { service: ['svc'] }, ...input }),
    )
  const byTag = await send({ Targets: [{ Key: 'tag:Role', Values: ['web'] }] })
  t.equal(byTag.Command?.TargetCount, 1)
  t.same(byTag.Command?.Targets, [{ Key: 'tag:Role', Values: ['web'] }])
  const byKey = await send({ Targets: [{ Key: 'tag-key', Values: ['Role'] }] })
  t.equal(byKey.Command?.TargetCount, 2)
  const none = await send({ Targets: [{ Key: 'tag:Role', Values: ['nothing'] }] })
  t.match(none.Command, { Status: 'Success', StatusDetails: 'Success', TargetCount: 0 })
  const many = Array.from({ length: 51 }, (_, i) => `i-${String(i).padStart(17, '0')}`)
  await t.rejects(send({ InstanceIds: many }), {
    name: 'ValidationException',
    message: /less than or equal to 50/,
  })
  await t.rejects(send({ InstanceIds: ['i-0000000000000dead'] }), { name: 'InvalidInstanceId' })
  await t.rejects(send({ InstanceIds: [A], TimeoutSeconds: 5 }), { name: 'ValidationException' })
  await t.rejects(send({ InstanceIds: [A], MaxConcurrency: 'lots' }), { name: 'ValidationException' })
  await t.rejects(send({ InstanceIds: [A], DocumentName: 'no-such-doc' }), { name: 'InvalidDocument' })
  await aws.ssm.settled()
  const done = await ssm.send(new ListCommandsCommand({ CommandId: byKey.Command?.CommandId ?? '' }))
  t.equal(done.Commands?.[0]?.Status, 'Success')
})

t.test('exit codes and output limits: 24,000 / 8,000 / 2,500 chars', async (t) => {
  const { aws, ssm } = await fakeWithSsm(t)
  const script = [
    'head -c 30000 /dev/zero | tr "\\0" o',
    'head -c 10000 /dev/zero | tr "\\0" e >&2',
    'exit 3',
  ]
  await ssm.send(new CreateDocumentCommand({ Name: 'loud-doc', Content: shellDocument(script) }))
  aws.ssm.addInstance({ id: A })
  const sent = await ssm.send(new SendCommandCommand({ DocumentName: 'loud-doc', InstanceIds: [A] }))
  const id = sent.Command?.CommandId ?? ''
  await aws.ssm.settled()
  const inv = await ssm.send(new GetCommandInvocationCommand({ CommandId: id, InstanceId: A }))
  t.match(inv, { Status: 'Failed', StatusDetails: 'Failed', ResponseCode: 3 })
  t.equal(inv.StandardOutputContent, 'o'.repeat(24000))
  t.equal(inv.StandardErrorContent, 'e'.repeat(8000))
  const list = await ssm.send(new ListCommandInvocationsCommand({ CommandId: id, Details: true }))
  // Both streams keep half of the 2,500 (less the banner), each cut with the agent's marker.
  const output = list.CommandInvocations?.[0]?.CommandPlugins?.[0]?.Output ?? ''
  t.equal(output.length, 2500)
  t.equal(
    output,
    `${'o'.repeat(1215)}\n---Output truncated---\n----------ERROR-------\n${'e'.repeat(1215)}\n---Error truncated----`,
  )
  const byStatus = (value: string) =>
    ssm.send(new ListCommandInvocationsCommand({ CommandId: id, Filters: [{ key: 'Status', value }] }))
  t.equal((await byStatus('Failed')).CommandInvocations?.length, 1, 'a Status filter selects invocations')
  t.equal((await byStatus('Success')).CommandInvocations?.length, 0)
  const command = await ssm.send(new ListCommandsCommand({ CommandId: id }))
  t.match(command.Commands?.[0], {
    Status: 'Failed',
    StatusDetails: 'Failed',
    ErrorCount: 1,
    CompletedCount: 1,
  })
})
