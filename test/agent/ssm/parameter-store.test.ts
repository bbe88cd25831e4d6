import { GetParameterCommand, GetParametersCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm'
import { mockClient } from 'aws-sdk-client-mock'
import t from 'tap'
import { ParameterStore } from '../../../agent/ssm/parameter-store.ts'

function setup() {
  const client = new SSMClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  })
  const mock = mockClient(client)
  t.teardown(() => mock.restore())
  return { store: new ParameterStore(client), mock }
}

t.test('get() decrypts, batches by ten and returns every value by name', async (t) => {
  const { store, mock } = setup()
  mock.on(GetParametersCommand).callsFake((input: { Names: string[] }) => ({
    Parameters: input.Names.map((name) => ({ Name: name, Value: `value of ${name}` })),
    InvalidParameters: [],
  }))
  const names = Array.from({ length: 12 }, (_, i) => `/app/p${i}`)
  const values = await store.get(names)
  t.equal(Object.keys(values).length, 12)
  t.equal(values['/app/p11'], 'value of /app/p11')
  const calls = mock.commandCalls(GetParametersCommand)
  t.strictSame(
    calls.map((call) => [call.args[0].input.Names?.length, call.args[0].input.WithDecryption]),
    [
      [10, true],
      [2, true],
    ],
  )
  t.ok(Object.isFrozen(values))
})

t.test('get() names the missing parameters', async (t) => {
  const { store, mock } = setup()
  mock
    .on(GetParametersCommand)
    .resolves({ Parameters: [{ Name: '/a', Value: '1' }], InvalidParameters: ['/b'] })
  await t.rejects(store.get(['/a', '/b']), {
    code: 'E_AWS',
    message: 'SSM parameter "/b" not found: create it, or fix envFromParameters in the agent configuration',
  })
})

t.test('find() returns undefined for a missing parameter and the value otherwise', async (t) => {
  const { store, mock } = setup()
  mock
    .on(GetParameterCommand, { Name: '/ecr-deploy/web' })
    .resolves({ Parameter: { Name: '/ecr-deploy/web', Value: 'repo@sha256:abc' } })
  mock
    .on(GetParameterCommand, { Name: '/ecr-deploy/api' })
    .rejects(new ParameterNotFound({ message: 'not found', $metadata: {} }))
  t.equal(await store.find('/ecr-deploy/web'), 'repo@sha256:abc')
  t.equal(await store.find('/ecr-deploy/api'), undefined)
  t.equal(mock.commandCalls(GetParameterCommand)[0]?.args[0].input.WithDecryption, true)
})

t.test('refusals become AwsAuthError with the permission to add; other failures AwsError', async (t) => {
  const { store, mock } = setup()
  const denied = Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' })
  mock.on(GetParameterCommand).rejects(denied)
  await t.rejects(store.find('/ecr-deploy/web'), {
    code: 'E_AWS_AUTH',
    message:
      /reading SSM parameter \/ecr-deploy\/web was refused \(AccessDeniedException\): the instance role needs ssm:GetParameter/,
  })
  const down = Object.assign(new Error('Service unavailable'), { name: 'InternalServerError' })
  mock.on(GetParametersCommand).rejects(down)
  await t.rejects(store.get(['/x']), {
    code: 'E_AWS',
    message: 'reading SSM parameter /x failed (InternalServerError: Service unavailable)',
  })
})

t.test('releases are read by selector, without decryption; a refusal names the permission', async (t) => {
  const { store, mock } = setup()
  const denied = Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' })
  mock.on(GetParameterCommand).rejects(denied)
  await t.rejects(store.release({ environment: 'prod', service: 'web', version: 7 }), {
    code: 'E_AWS_AUTH',
    message:
      /^reading SSM parameter \/ecr-deploy\/prod\/web:7 was refused \(AccessDeniedException\): the instance role needs ssm:GetParameter/,
  })
  await t.rejects(store.latest('prod', 'web'), { code: 'E_AWS_AUTH' })
  t.strictSame(
    mock.commandCalls(GetParameterCommand).map((call) => call.args[0].input),
    [
      { Name: '/ecr-deploy/prod/web:7', WithDecryption: false },
      { Name: '/ecr-deploy/prod/web', WithDecryption: false },
    ],
  )
})
