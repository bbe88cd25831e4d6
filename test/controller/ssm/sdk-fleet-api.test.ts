import { CreateDocumentCommand } from '@aws-sdk/client-ssm'
import t from 'tap'
import { SdkFleetApi } from '../../../controller/ssm/sdk-fleet-api.ts'
import { fakeWithSsm, shellDocument } from '../../ground/fake-aws/test-clients.ts'

// The waiter's own tests run on a recording FleetApi; what the adapter puts on the wire is checked here.

t.test('invocations are listed 50 at a time with their output, an unknown command as none', async (t) => {
  const { aws, ssm } = await fakeWithSsm(t)
  const api = new SdkFleetApi(ssm)
  t.strictSame(await api.listInvocations('c-unknown', 'token-2'), { invocations: [] })
  const call = aws.calls.find((c) => c.operation === 'ListCommandInvocations')
  t.strictSame(call?.input, { CommandId: 'c-unknown', Details: true, MaxResults: 50, NextToken: 'token-2' })
})

t.test('the full output is read for the step the document names', async (t) => {
  const { aws, ssm } = await fakeWithSsm(t)
  const api = new SdkFleetApi(ssm)
  await t.rejects(api.getOutput('c-unknown', 'i-1', 'ecrDeployAgent'), { code: 'E_AWS' })
  const call = aws.calls.find((c) => c.operation === 'GetCommandInvocation')
  t.strictSame(call?.input, { CommandId: 'c-unknown', InstanceId: 'i-1', PluginName: 'ecrDeployAgent' })
})

t.test('one version is read by its selector; a missing version or parameter is none', async (t) => {
  const { aws, ssm } = await fakeWithSsm(t)
  const api = new SdkFleetApi(ssm)
  t.equal(await api.getParameterVersion('/ecr-deploy/prod/web', 1), undefined, 'no parameter')
  for (const value of ['one', 'two']) await api.putParameter('/ecr-deploy/prod/web', value)
  t.strictSame(await api.getParameterVersion('/ecr-deploy/prod/web', 1), { value: 'one', version: 1 })
  t.equal(await api.getParameterVersion('/ecr-deploy/prod/web', 9), undefined, 'no such version')
  t.strictSame(
    aws.calls.filter((c) => c.operation === 'GetParameter').map((c) => c.input),
    [
      { Name: '/ecr-deploy/prod/web:1' },
      { Name: '/ecr-deploy/prod/web:1' },
      { Name: '/ecr-deploy/prod/web:9' },
    ],
    'the selector, never WithDecryption',
  )
})

t.test('the history is read 50 versions a page until the last', async (t) => {
  const { aws, ssm } = await fakeWithSsm(t)
  const api = new SdkFleetApi(ssm)
  for (let n = 1; n <= 120; n += 1) await api.putParameter('/ecr-deploy/prod/web', `v${n}`)
  const history = await api.parameterHistory('/ecr-deploy/prod/web')
  t.strictSame(
    history.map((v) => v.version),
    Array.from({ length: 100 }, (_, i) => i + 21),
    'the 100 versions Parameter Store keeps',
  )
  const pages = aws.calls.filter((c) => c.operation === 'GetParameterHistory')
  t.equal(pages.length, 2)
  t.strictSame(pages[0]?.input, { Name: '/ecr-deploy/prod/web', MaxResults: 50 })
  t.equal(await api.parameterHistory('/nothing').then((h) => h.length), 0, 'no parameter, no history')
})

t.test('tag targets are resolved to managed instance ids, 50 a page, with the same filters', async (t) => {
  const { aws, ssm } = await fakeWithSsm(t)
  const api = new SdkFleetApi(ssm)
  const ids = Array.from({ length: 60 }, (_, i) => `i-${String(i).padStart(17, '0')}`)
  for (const [i, id] of ids.entries()) aws.ssm.addInstance({ id, tags: { Role: i % 2 === 0 ? 'web' : 'db' } })
  const web = await api.instancesMatching([{ key: 'tag:Role', values: ['web'] }])
  t.strictSame(
    [...web].sort(),
    ids.filter((_, i) => i % 2 === 0),
  )
  t.strictSame((await api.instancesMatching([{ key: 'tag-key', values: ['Role'] }])).length, 60, 'two pages')
  t.strictSame(aws.calls.filter((c) => c.operation === 'DescribeInstanceInformation')[0]?.input, {
    Filters: [{ Key: 'tag:Role', Values: ['web'] }],
    MaxResults: 50,
  })
})

t.test('an alarm goes on the wire as AlarmConfiguration, and TriggeredAlarms come back', async (t) => {
  const { aws, ssm } = await fakeWithSsm(t)
  const api = new SdkFleetApi(ssm)
  await ssm.send(
    new CreateDocumentCommand({ Name: 'doc', Content: shellDocument(['echo ran']), DocumentType: 'Command' }),
  )
  aws.ssm.addInstance({ id: 'i-0000000000000000a' })
  aws.cloudwatch.setAlarm('web-5xx', 'ALARM')
  const request = {
    documentName: 'doc',
    parameters: {},
    instanceIds: ['i-0000000000000000a'],
    maxConcurrency: '1',
    maxErrors: '0',
    timeoutSeconds: 60,
  }
  const guarded = await api.sendCommand({ ...request, alarm: 'web-5xx' })
  t.strictSame(aws.calls.find((c) => c.operation === 'SendCommand')?.input.AlarmConfiguration, {
    Alarms: [{ Name: 'web-5xx' }],
    IgnorePollAlarmFailure: false,
  })
  const plain = await api.sendCommand(request)
  await aws.ssm.settled()
  t.match(await api.getCommand(guarded), { status: 'Cancelled', triggeredAlarms: ['web-5xx'] })
  t.notOk((await api.getCommand(plain))?.triggeredAlarms, 'without AlarmConfiguration SSM ignores alarms')
  t.equal(aws.calls.filter((c) => c.operation === 'SendCommand')[1]?.input.AlarmConfiguration, undefined)
})
