import {
  CancelCommandCommand,
  CreateDocumentCommand,
  GetCommandInvocationCommand,
  ListCommandsCommand,
  PutParameterCommand,
  SendCommandCommand,
  SSMClient,
} from '@aws-sdk/client-ssm'
import t from 'tap'
import { startFakeAws } from './index.js'
import { fakeWithSsm, shellDocument, testKeys } from './test-clients.js'

const A = 'i-0000000000000000a'

t.test(
  'a YAML document with two steps: PluginName picks the step, defaults may read Parameter Store',
  async (t) => {
    const { aws, ssm } = await fakeWithSsm(t)
    const yaml = [
      "schemaVersion: '2.2'",
      'description: two steps',
      'parameters:',
      '  version:',
      '    type: String',
      "    default: '{{ssm:/app/version}}'",
      'mainSteps:',
      '  - action: aws:runShellScript',
      '    name: first',
      '    inputs:',
      '      runCommand: ["echo first {{ version }} $AWS_SSM_INSTANCE_ID $AWS_SSM_REGION_NAME"]',
      '  - action: aws:runShellScript',
      '    name: second',
      '    inputs:',
      '      runCommand: ["echo second >&2", "exit 4"]',
    ].join('\n')
    await ssm.send(new CreateDocumentCommand({ Name: 'two-steps', Content: yaml, DocumentFormat: 'YAML' }))
    aws.ssm.addInstance({ id: A })
    await t.rejects(ssm.send(new SendCommandCommand({ DocumentName: 'two-steps', InstanceIds: [A] })), {
      name: 'InvalidParameters',
      message: /\/app\/version/,
    })
    await ssm.send(new PutParameterCommand({ Name: '/app/version', Value: '1.2.3', Type: 'String' }))
    const sent = await ssm.send(new SendCommandCommand({ DocumentName: 'two-steps', InstanceIds: [A] }))
    const CommandId = sent.Command?.CommandId ?? ''
    await aws.ssm.settled()
    await t.rejects(ssm.send(new GetCommandInvocationCommand({ CommandId, InstanceId: A })), {
      name: 'InvalidPluginName',
    })
    const first = await ssm.send(
      new GetCommandInvocationCommand({ CommandId, InstanceId: A, PluginName: 'first' }),
    )
    t.match(first, {
      PluginName: 'first',
      StandardOutputContent: `first 1.2.3 ${A} us-east-1\n`,
      ResponseCode: 0,
      // GetCommandInvocation reports the status of the plugin asked for, not of the whole invocation.
      Status: 'Success',
    })
    const second = await ssm.send(
      new GetCommandInvocationCommand({ CommandId, InstanceId: A, PluginName: 'second' }),
    )
    t.match(second, {
      PluginName: 'second',
      StandardErrorContent: 'second\n',
      ResponseCode: 4,
      Status: 'Failed',
    })
  },
)

t.test('CancelCommand stops running scripts and unstarted invocations', async (t) => {
  const { aws, ssm } = await fakeWithSsm(t)
  await ssm.send(new CreateDocumentCommand({ Name: 'sleepy', Content: shellDocument(['sleep 20']) }))
  aws.ssm.addInstance({ id: A })
  aws.ssm.addInstance({ id: 'i-0000000000000000b' })
  const sent = await ssm.send(
    new SendCommandCommand({
      DocumentName: 'sleepy',
      InstanceIds: [A, 'i-0000000000000000b'],
      MaxConcurrency: '1',
    }),
  )
  const CommandId = sent.Command?.CommandId ?? ''
  await new Promise((resolve) => setTimeout(resolve, 200))
  const started = Date.now()
  await ssm.send(new CancelCommandCommand({ CommandId }))
  await aws.ssm.settled()
  t.ok(Date.now() - started < 3000, 'the sleeping script was killed')
  const command = await ssm.send(new ListCommandsCommand({ CommandId }))
  t.match(command.Commands?.[0], { Status: 'Cancelled', StatusDetails: 'Cancelled', CompletedCount: 2 })
  const inv = await ssm.send(new GetCommandInvocationCommand({ CommandId, InstanceId: A }))
  t.match(inv, { Status: 'Cancelled', StatusDetails: 'Cancelled' })
})

t.test('close() does not wait for the delivery timeout of offline instances', async (t) => {
  const aws = await startFakeAws()
  const ssm = new SSMClient({ endpoint: aws.endpoint, region: 'us-east-1', credentials: testKeys() })
  aws.ssm.addInstance({ id: A, online: false })
  await ssm.send(new CreateDocumentCommand({ Name: 'echo-doc', Content: shellDocument(['echo hi']) }))
  await ssm.send(new SendCommandCommand({ DocumentName: 'echo-doc', InstanceIds: [A] }))
  const started = Date.now()
  await aws.close()
  t.ok(Date.now() - started < 2000, 'closed promptly')
})
