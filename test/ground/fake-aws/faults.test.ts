import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr'
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm'
import t from 'tap'
import { Faults } from './faults.ts'
import { fakeWithSsm, testKeys } from './test-clients.ts'

t.test('a throttled operation is retried by the SDK and then succeeds', async (t) => {
  const { aws, ssm } = await fakeWithSsm(t)
  await ssm.send(new PutParameterCommand({ Name: '/p', Value: 'v', Type: 'String' }))
  aws.faults.throttle('GetParameter', 2)
  const out = await ssm.send(new GetParameterCommand({ Name: '/p' }))
  t.equal(out.Parameter?.Value, 'v')
  t.equal(out.$metadata.attempts, 3)
  t.equal(aws.calls.filter((c) => c.operation === 'GetParameter').length, 3, 'every attempt reached the fake')
})

t.test('throttling beyond the retry budget surfaces ThrottlingException', async (t) => {
  const { aws, ssm } = await fakeWithSsm(t)
  aws.faults.throttle('GetParameter', 5)
  await t.rejects(ssm.send(new GetParameterCommand({ Name: '/p' })), {
    name: 'ThrottlingException',
    $fault: 'client',
  })
})

t.test('fail: an injected error type and status, for a number of calls', async (t) => {
  const { aws } = await fakeWithSsm(t)
  const ecr = new ECRClient({
    endpoint: aws.endpoint,
    region: 'us-east-1',
    credentials: testKeys('AKIDECR'),
    maxAttempts: 1,
  })
  aws.faults.fail('GetAuthorizationToken', { type: 'AccessDeniedException', message: 'not allowed' }, 1)
  await t.rejects(ecr.send(new GetAuthorizationTokenCommand({})), {
    name: 'AccessDeniedException',
    message: 'not allowed',
  })
  const ok = await ecr.send(new GetAuthorizationTokenCommand({}))
  t.equal(ok.authorizationData?.length, 1, 'only the first call failed')
  aws.faults.fail('GetParameter', { type: 'InternalServerError', status: 500 })
  const once = fakeSsmNoRetry(aws.endpoint)
  await t.rejects(once.send(new GetParameterCommand({ Name: '/p' })), {
    name: 'InternalServerError',
    $fault: 'server',
  })
  aws.faults.clear()
  await t.rejects(once.send(new GetParameterCommand({ Name: '/p' })), { name: 'ParameterNotFound' })
  t.same(
    aws.calls.filter((c) => c.service === 'ecr').map((c) => c.accessKeyId),
    ['AKIDECR', 'AKIDECR'],
    'the signing key is recorded',
  )
})

t.test('delay holds the answer back until its sleep is over', async (t) => {
  const slept: number[] = []
  let wake: () => void = () => {}
  const faults = new Faults(
    (ms) =>
      new Promise<void>((resolve) => {
        slept.push(ms)
        wake = resolve
      }),
  )
  faults.delay('GetParameter', 300)
  let answered = false
  const before = faults.before('GetParameter').then(() => {
    answered = true
  })
  await faults.before('PutParameter')
  t.strictSame(slept, [300], 'only the delayed operation sleeps, for the delay asked')
  t.equal(answered, false, 'held back while the sleep lasts')
  wake()
  await before
  t.equal(answered, true)
  faults.clear()
  await faults.before('GetParameter')
  t.strictSame(slept, [300], 'cleared: no more sleeping')
})

t.test('a delayed operation still answers over the wire', async (t) => {
  const { aws, ssm } = await fakeWithSsm(t)
  await ssm.send(new PutParameterCommand({ Name: '/p', Value: 'v', Type: 'String' }))
  aws.faults.delay('GetParameter', 50)
  const out = await ssm.send(new GetParameterCommand({ Name: '/p' }))
  t.equal(out.Parameter?.Value, 'v')
})

function fakeSsmNoRetry(endpoint: string): SSMClient {
  return new SSMClient({ endpoint, region: 'us-east-1', credentials: testKeys(), maxAttempts: 1 })
}
