import t from 'tap'
import { SdkFleetApi } from '../../../controller/ssm/sdk-fleet-api.ts'
import { fakeWithSsm } from '../../ground/fake-aws/test-clients.ts'

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
