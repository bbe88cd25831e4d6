import { existsSync } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch'
import { CreateDocumentCommand, SendCommandCommand } from '@aws-sdk/client-ssm'
import t from 'tap'
import { SdkAlarmApi } from '../../../controller/cloudwatch/sdk-alarms.ts'
import { SdkFleetApi } from '../../../controller/ssm/sdk-fleet-api.ts'
import { until } from '../until.ts'
import { awsCli } from './aws-cli-runner.ts'
import { fakeWithSsm, shellDocument, testKeys } from './test-clients.ts'

const [A, B, C] = ['i-0000000000000000a', 'i-0000000000000000b', 'i-0000000000000000c']

async function fleetWithDocument(t: Parameters<typeof fakeWithSsm>[0], script: string[]) {
  const fake = await fakeWithSsm(t)
  await fake.ssm.send(
    new CreateDocumentCommand({ Name: 'doc', Content: shellDocument(script), DocumentType: 'Command' }),
  )
  for (const id of [A, B, C]) fake.aws.ssm.addInstance({ id })
  return { ...fake, fleet: new SdkFleetApi(fake.ssm) }
}

const send = (alarm: string) => ({
  documentName: 'doc',
  parameters: {},
  instanceIds: [A, B, C],
  maxConcurrency: '1',
  maxErrors: '0',
  timeoutSeconds: 60,
  alarm,
})

t.test('DescribeAlarms answers the states tests set, metric and composite, to the SDK adapter', async (t) => {
  const { aws } = await fakeWithSsm(t)
  aws.cloudwatch.setAlarm('web-5xx', 'OK')
  aws.cloudwatch.setAlarm('web-health', 'ALARM', { composite: true })
  aws.cloudwatch.setAlarm('other', 'ALARM')
  const alarms = new SdkAlarmApi(
    new CloudWatchClient({ endpoint: aws.endpoint, region: 'us-east-1', credentials: testKeys() }),
  )
  const states = await alarms.alarmStates(['web-5xx', 'web-health', 'missing'])
  t.strictSame(
    [...states.entries()].sort(),
    [
      ['web-5xx', 'OK'],
      ['web-health', 'ALARM'],
    ],
    'a missing alarm is absent, not OK',
  )
  aws.cloudwatch.setAlarm('web-5xx', 'INSUFFICIENT_DATA')
  t.equal((await alarms.alarmStates(['web-5xx'])).get('web-5xx'), 'INSUFFICIENT_DATA')
  t.match(aws.calls.at(-1), {
    service: 'cloudwatch',
    operation: 'DescribeAlarms',
    input: { AlarmNames: ['web-5xx'] },
  })
})

t.test(
  'the real AWS CLI parses DescribeAlarms and an alarm-guarded command with its TriggeredAlarms',
  async (t) => {
    const { aws } = await fleetWithDocument(t, ['echo ran'])
    const cli = await awsCli(t, aws.endpoint)
    aws.cloudwatch.setAlarm('web-5xx', 'ALARM', { reason: 'Threshold Crossed' })
    aws.cloudwatch.setAlarm('web-health', 'OK', { composite: true })
    const described = await cli.json(
      'cloudwatch',
      'describe-alarms',
      '--alarm-names',
      'web-5xx',
      'web-health',
      '--alarm-types',
      'MetricAlarm',
      'CompositeAlarm',
    )
    t.match(described, {
      MetricAlarms: [
        {
          AlarmName: 'web-5xx',
          StateValue: 'ALARM',
          StateReason: 'Threshold Crossed',
          AlarmArn: /^arn:aws:cloudwatch:us-east-1:\d{12}:alarm:web-5xx$/,
        },
      ],
      CompositeAlarms: [{ AlarmName: 'web-health', StateValue: 'OK' }],
    })
    t.type(
      (described.MetricAlarms as { StateUpdatedTimestamp: unknown }[])[0]?.StateUpdatedTimestamp,
      'string',
    )
    const refused = await cli.fail('cloudwatch', 'describe-alarms', '--state-value', 'FIRING')
    t.ok(refused, 'an unknown state is refused (by the CLI or the fake)')

    const sent = await cli.json(
      'ssm',
      'send-command',
      '--document-name',
      'doc',
      '--instance-ids',
      A,
      '--alarm-configuration',
      'IgnorePollAlarmFailure=false,Alarms=[{Name=web-5xx}]',
    )
    const id = (sent.Command as { CommandId: string }).CommandId
    await aws.ssm.settled()
    const listed = await cli.json('ssm', 'list-commands', '--command-id', id)
    t.match(listed.Commands, [
      {
        Status: 'Cancelled',
        AlarmConfiguration: { IgnorePollAlarmFailure: false, Alarms: [{ Name: 'web-5xx' }] },
        TriggeredAlarms: [{ Name: 'web-5xx', State: 'ALARM' }],
      },
    ])
    const two = await cli.fail(
      'ssm',
      'send-command',
      '--document-name',
      'doc',
      '--instance-ids',
      A,
      '--alarm-configuration',
      'Alarms=[{Name=a},{Name=b}]',
    )
    t.match(two?.stderr, /ValidationException|alarms/, 'SSM takes exactly one alarm')
  },
)

t.test(
  'SendCommand under an alarm in ALARM runs nothing: every invocation Cancelled, the alarm listed',
  async (t) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'alarm-guard-'))
    const { aws, fleet } = await fleetWithDocument(t, [`touch ${dir}/$AWS_SSM_INSTANCE_ID`])
    aws.cloudwatch.setAlarm('web-5xx', 'ALARM')
    const id = await fleet.sendCommand(send('web-5xx'))
    await aws.ssm.settled()
    t.match(await fleet.getCommand(id), { status: 'Cancelled', triggeredAlarms: ['web-5xx'] })
    t.strictSame(
      aws.ssm.command(id)?.invocations.map((i) => i.status),
      ['Cancelled', 'Cancelled', 'Cancelled'],
    )
    t.notOk(
      [A, B, C].some((i) => existsSync(path.join(dir, i))),
      'no script ran',
    )
  },
)

t.test('an alarm that fires while the command runs stops it: the rest are never sent', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'alarm-guard-'))
  const { aws, fleet } = await fleetWithDocument(t, [
    `touch ${dir}/$AWS_SSM_INSTANCE_ID`,
    `for i in $(seq 1 600); do [ -e ${dir}/go ] && exit 0; sleep 0.05; done`,
  ])
  aws.cloudwatch.setAlarm('web-5xx', 'OK')
  const id = await fleet.sendCommand(send('web-5xx'))
  const first = await until('the first instance running', () =>
    [A, B, C].find((i) => existsSync(path.join(dir, i))),
  )
  aws.cloudwatch.setAlarm('web-5xx', 'ALARM')
  await aws.ssm.settled()
  t.match(await fleet.getCommand(id), { status: 'Cancelled', triggeredAlarms: ['web-5xx'] })
  const statuses = aws.ssm.command(id)?.invocations.map((i) => [i.instanceId, i.status])
  t.strictSame(
    statuses?.filter(([, status]) => status !== 'Cancelled'),
    [],
    'the running one is cancelled too',
  )
  t.strictSame(
    [A, B, C].filter((i) => existsSync(path.join(dir, i))),
    [first],
    'only the one that had started ran anything',
  )
})

t.test('an alarm that stays OK (or INSUFFICIENT_DATA) lets the command finish', async (t) => {
  const { aws, fleet } = await fleetWithDocument(t, ['echo ran'])
  aws.cloudwatch.setAlarm('web-5xx', 'INSUFFICIENT_DATA')
  const id = await fleet.sendCommand(send('web-5xx'))
  await aws.ssm.settled()
  const command = await fleet.getCommand(id)
  t.match(command, { status: 'Success' })
  t.notOk(command?.triggeredAlarms, 'no alarm triggered')
})

t.test('SendCommand takes exactly one alarm', async (t) => {
  const { ssm } = await fleetWithDocument(t, ['echo ran'])
  await t.rejects(
    ssm.send(
      new SendCommandCommand({
        DocumentName: 'doc',
        InstanceIds: [A],
        AlarmConfiguration: { Alarms: [{ Name: 'a' }, { Name: 'b' }] },
      }),
    ),
    { name: 'ValidationException', message: /alarmConfiguration\.alarms/ },
  )
})
