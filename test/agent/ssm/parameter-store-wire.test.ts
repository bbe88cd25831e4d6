import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm'
import t from 'tap'
import { ParameterStore } from '../../../agent/ssm/parameter-store.ts'
import { startFakeAws } from '../../ground/fake-aws/index.ts'
import { testKeys } from '../../ground/fake-aws/test-clients.ts'

// The adapter over the wire against the fake SSM (the deploy tests on the ground read parameters the
// same way): more than ten names take two GetParameters calls, SecureStrings come back decrypted, and a
// name SSM lists in InvalidParameters is an error naming it, never an empty value.

t.test('GetParameters over the wire: batches, decryption, and an unknown name', async (t) => {
  const aws = await startFakeAws()
  t.teardown(() => aws.close())
  const client = new SSMClient({ endpoint: aws.endpoint, region: 'us-east-1', credentials: testKeys() })
  const names = Array.from({ length: 11 }, (_, i) => `/shop/web/p${i}`)
  for (const name of names) {
    await client.send(new PutParameterCommand({ Name: name, Value: `value of ${name}`, Type: 'String' }))
  }
  await client.send(
    new PutParameterCommand({ Name: '/shop/web/secret', Value: 's3cr3t', Type: 'SecureString' }),
  )
  const store = new ParameterStore(client)

  const values = await store.get([...names, '/shop/web/secret'])
  t.equal(values['/shop/web/p10'], 'value of /shop/web/p10')
  t.equal(values['/shop/web/secret'], 's3cr3t', 'decrypted')
  t.strictSame(
    aws.calls.filter((c) => c.operation === 'GetParameters').map((c) => (c.input.Names as string[]).length),
    [10, 2],
  )

  await t.rejects(store.get(['/shop/web/p0', '/shop/web/nope']), {
    code: 'E_AWS',
    message:
      'SSM parameter "/shop/web/nope" not found: create it, or fix envFromParameters in the agent configuration',
  })
})
