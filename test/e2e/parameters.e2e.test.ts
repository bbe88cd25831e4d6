import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm'
import t from 'tap'
import { testKeys } from '../ground/fake-aws/test-clients.ts'
import { loadGround } from '../ground/ground.ts'
import { startFakeOnGround } from '../support/ground-aws.ts'
import { runController } from '../support/run-controller.ts'
import { served, startSimFleet } from '../support/sim-fleet.ts'

/*
 * A real agent daemon reading envFromParameters over the wire: GetParameters signed with the instance
 * role's keys from the fake IMDS, an unknown name answered in InvalidParameters as AWS does.
 */

const ground = loadGround()
const aws = await startFakeOnGround(ground)
const dir = await mkdtemp(join(tmpdir(), 'parameters-e2e-'))
const ID = 'i-00000000000000d01'
const fleet = await startSimFleet(aws, ground, [
  { id: ID, name: 'd', serviceLines: ['    envFromParameters: { GREETING: /web/greeting }'] },
])
t.teardown(async () => {
  await fleet.stop()
  await aws.close()
  await rm(dir, { recursive: true, force: true })
})
const ssm = new SSMClient({ endpoint: aws.endpoint, region: ground.region, credentials: testKeys() })

const deploy = (tag: string) =>
  runController(aws, dir, [
    'deploy',
    '--environment',
    'prod',
    '--service',
    'web',
    '--image',
    `${fleet.repository}:${tag}`,
    '--targets',
    'tag:Role=web',
    '--timeout',
    '300',
  ])

const roleCalls = (operation: string) =>
  aws.calls.filter((c) => c.operation === operation && aws.imds.issuedKeys.includes(c.accessKeyId ?? ''))

t.test('an unknown envFromParameters name fails the deploy with the agent message', async (t) => {
  const result = await deploy('v1')
  t.not(result.code, 0)
  t.match(result.stdout, /SSM parameter "\/web\/greeting" not found/)
  t.equal(roleCalls('GetParameters').length, 1, 'asked over the wire with the instance role')
})

t.test('a known name reaches the deploy, read with the instance role', async (t) => {
  await ssm.send(new PutParameterCommand({ Name: '/web/greeting', Value: 'hello', Type: 'String' }))
  const result = await deploy('v1')
  t.equal(result.code, 0, result.stdout + result.stderr)
  t.match(await served(fleet.instances[0]?.port ?? 0), /v1/)
  t.equal(roleCalls('GetParameters').length, 2, 'one read per deploy, both with the role keys')
})
