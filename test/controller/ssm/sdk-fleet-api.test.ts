import t from 'tap'
import { SdkFleetApi } from '../../../controller/ssm/sdk-fleet-api.js'
import { fakeWithSsm } from '../../ground/fake-aws/test-clients.js'

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
