import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm'
import t, { type Test } from 'tap'
import type { ParameterSource } from '../../../agent/config/parameter-source.ts'
import { ParameterStore } from '../../../agent/ssm/parameter-store.ts'
import { startFakeAws } from '../../ground/fake-aws/index.ts'
import { testKeys } from '../../ground/fake-aws/test-clients.ts'
import { FakeParameters } from '../../support/deploy-harness.ts'

/*
 * The deploy tests read parameters through FakeParameters; the agent reads them through ParameterStore.
 * Both answer the same cases the same way here, the adapter over the wire against the fake SSM, so that
 * a deploy test cannot pass on an answer AWS would never give (an unknown name is an error, not '').
 */

const VALUES = { '/shop/web/greeting': 'hello', '/shop/web/mode': 'production' }

async function cases(t: Test, parameters: ParameterSource) {
  t.strictSame(await parameters.get(['/shop/web/greeting', '/shop/web/mode']), VALUES, 'known names')
  const unknown = await parameters
    .get(['/shop/web/greeting', '/shop/web/nope'])
    .catch((error: Error) => error)
  t.type(unknown, Error)
  t.equal(
    (unknown as Error).message,
    'SSM parameter "/shop/web/nope" not found: create it, or fix envFromParameters in the agent configuration',
  )
  t.equal((unknown as { code?: string }).code, 'E_AWS')
}

t.test('the adapter, over the wire against the fake SSM', async (t) => {
  const aws = await startFakeAws()
  t.teardown(() => aws.close())
  const client = new SSMClient({ endpoint: aws.endpoint, region: 'us-east-1', credentials: testKeys() })
  for (const [name, value] of Object.entries(VALUES)) {
    await client.send(new PutParameterCommand({ Name: name, Value: value, Type: 'String' }))
  }
  await cases(t, new ParameterStore(client))
})

t.test("the deploy tests' stand-in", async (t) => {
  await cases(t, new FakeParameters({ ...VALUES }))
})
