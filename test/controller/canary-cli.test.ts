import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm'
import t, { type Test } from 'tap'
import type { FakeAws } from '../ground/fake-aws/index.ts'
import { testKeys } from '../ground/fake-aws/test-clients.ts'
import { loadGround } from '../ground/ground.ts'
import { until } from '../ground/until.ts'
import { type FleetStub, fleetStub, type StubMode, stubInstanceEnv } from '../support/fleet-stub.ts'
import { installDeployDocument, startFakeOnGround } from '../support/ground-aws.ts'
import { runController } from '../support/run-controller.ts'

// `deploy` in waves as CI runs it, against the fake SSM and CloudWatch: the real document, one SSM command
// per wave, SSM's alarm guard and the controller's own check between waves, with a stand-in agent on each
// of four simulated instances. The same with real agents is test/e2e/canary.e2e.test.ts.
const ground = loadGround()
// Each subtest starts its own fake AWS and stand-in fleet and spends most of its time waiting on SSM (the
// invocations it shows only after a moment, the controller's polls between reads): they run side by side.
t.jobs = 4
const v1 = ground.images.v1
const RELEASE = '/ecr-deploy/prod/web'
const IDS = ['i-0000000000000000a', 'i-0000000000000000b', 'i-0000000000000000c', 'i-0000000000000000d']

interface Fleet {
  aws: FakeAws
  stub: FleetStub
  work: string
}

async function fleet(t: Test, mode: (id: string) => StubMode = () => 'ok'): Promise<Fleet> {
  const aws = await startFakeOnGround(ground, { ssm: { deliveryTimeoutMs: 500 } })
  t.teardown(() => aws.close())
  const stub = await fleetStub(t)
  for (const id of IDS)
    aws.ssm.addInstance({ id, tags: { Role: 'web' }, env: stubInstanceEnv(stub, id, mode(id)) })
  await installDeployDocument(aws, ground.region)
  const ssm = new SSMClient({ endpoint: aws.endpoint, region: ground.region, credentials: testKeys() })
  const stable = {
    format: 1,
    environment: 'prod',
    service: 'web',
    image: `${ground.registryHost}/${v1.repository}@sha256:${'2'.repeat(64)}`,
    spec: {},
    state: 'stable',
    origin: { actor: 'octocat', createdAt: '2026-03-01T12:00:00.000Z' },
  }
  await ssm.send(new PutParameterCommand({ Name: RELEASE, Value: JSON.stringify(stable), Type: 'String' }))
  aws.cloudwatch.setAlarm('web-health', 'OK', { composite: true })
  const work = await mkdtemp(join(tmpdir(), 'ecr-deploy-canary-'))
  t.teardown(() => rm(work, { recursive: true, force: true }))
  return { aws, stub, work }
}

const deploy = (f: Fleet, ...more: string[]) => deployImage(f, v1.uri, ...more)
const deployImage = (f: Fleet, image: string, ...more: string[]) =>
  runController(f.aws, f.work, [
    'deploy',
    '--environment',
    'prod',
    '--service',
    'web',
    '--image',
    image,
    '--targets',
    'tag:Role=web',
    '--timeout',
    '60',
    '--json',
    ...more,
  ])

/** The deploys each instance's stub ran (the pull before the first wave is asserted apart). */
async function sentReleases(f: Fleet): Promise<string[]> {
  const deploys = (await f.stub.calls()).filter((line) => line.split(' ')[1] === 'deploy')
  return deploys.map((line) => {
    const [instance] = line.split(' ')
    return `${instance} ${/--release \/ecr-deploy\/prod\/web:(\d+)/.exec(line)?.[1] ?? '?'}`
  })
}

const stateOf = (f: Fleet) => (JSON.parse(f.aws.ssm.parameter(RELEASE) ?? '{}') as { state?: string }).state
const actionOf = (c: { input: Record<string, unknown> }) =>
  (c.input.Parameters as Record<string, string[]> | undefined)?.action?.[0]
const sendCommands = (f: Fleet) =>
  f.aws.calls.filter((c) => c.operation === 'SendCommand' && actionOf(c) === 'deploy')

t.test('a clean run sends the canary, then the rest, each under the alarm, and marks stable', async (t) => {
  const f = await fleet(t)
  const result = await deploy(f, '--canary', '1', '--alarm', 'web-health')
  t.equal(result.code, 0, result.stderr)
  t.equal(stateOf(f), 'stable')
  t.strictSame(
    sendCommands(f).map((c) => c.input.InstanceIds),
    [IDS.slice(0, 1), IDS.slice(1)],
    'the canary by id, then the other three',
  )
  for (const call of sendCommands(f)) {
    t.strictSame(call.input.AlarmConfiguration, {
      Alarms: [{ Name: 'web-health' }],
      IgnorePollAlarmFailure: false,
    })
  }
  t.strictSame(
    (await sentReleases(f)).sort(),
    IDS.map((id) => `${id} 2`),
  )
  t.ok(f.aws.calls.some((c) => c.service === 'cloudwatch' && c.operation === 'DescribeAlarms'))
  const [pull] = f.aws.calls.filter((c) => c.operation === 'SendCommand')
  t.match(pull?.input, { Parameters: { action: ['pull'] }, MaxConcurrency: '100%', MaxErrors: '100%' })
  t.notOk(pull?.input.AlarmConfiguration, 'the pull is not sent under the alarm')
  t.strictSame(
    (await f.stub.calls()).filter((line) => line.split(' ')[1] === 'pull').sort(),
    IDS.map((id) => `${id} pull --service web --release /ecr-deploy/prod/web:2`),
    'every instance pulled version 2 first',
  )
})

t.test(
  'an alarm that fires during the bake rolls the canary back; the rest never get the release',
  async (t) => {
    const f = await fleet(t)
    const running = deploy(f, '--canary', '1', '--bake', '60', '--alarm', 'web-health')
    // The bake has begun once the controller reads the alarm after the canary's command.
    await until('the first read of the alarm in the bake', () => {
      const first = f.aws.calls.findIndex((c) => c.operation === 'SendCommand' && actionOf(c) === 'deploy')
      const reads = f.aws.calls.filter((c, i) => i > first && first >= 0 && c.operation === 'DescribeAlarms')
      return reads.length > 0 ? true : undefined
    })
    f.aws.cloudwatch.setAlarm('web-health', 'ALARM')
    const result = await running
    t.equal(result.code, 15, result.stderr)
    t.match(result.stderr, /E_ROLLOUT_ABORTED.*alarm web-health is in ALARM after wave 1 of 2/)
    t.strictSame(await sentReleases(f), [`${IDS[0]} 2`, `${IDS[0]} 1`], 'the canary took 2 and got 1 back')
    t.equal(stateOf(f), 'aborted')
    t.notOk(
      sendCommands(f).at(-1)?.input.AlarmConfiguration,
      'the rollback is not sent under the firing alarm',
    )
    const report = JSON.parse(result.stdout) as {
      waves: unknown[]
      plannedWaves: number
      abort: { cause: string }
    }
    t.match(report, { plannedWaves: 2, abort: { cause: 'alarm' } })
    t.equal(report.waves.length, 1)
  },
)

t.test('a failing canary stops the rollout before any other instance is sent it', async (t) => {
  const f = await fleet(t, (id) => (id === IDS[0] ? 'unhealthy' : 'ok'))
  const result = await deploy(f, '--waves', '1,50%,100%')
  t.equal(result.code, 15, result.stderr)
  t.match(
    result.stderr,
    /wave 1 of 3: 1 instance\(s\) failed \(--max-errors allows 0 in this wave\): i-0000000000000000a/,
  )
  t.strictSame(await sentReleases(f), [`${IDS[0]} 2`], 'nobody else; the canary restored itself')
  t.equal(stateOf(f), 'aborted')
})

t.test('an alarm already firing is refused before anything is written or sent', async (t) => {
  const f = await fleet(t)
  f.aws.cloudwatch.setAlarm('web-health', 'ALARM')
  const result = await deploy(f, '--canary', '1', '--alarm', 'web-health')
  t.equal(result.code, 2)
  t.match(result.stderr, /"web-health" is in ALARM now/)
  t.equal(sendCommands(f).length, 0)
  t.equal(stateOf(f), 'stable', 'the parameter still holds the stable release only')
})

t.test('a rollback takes the canary and the alarm too', async (t) => {
  const f = await fleet(t)
  // v1's image (rolling as version 2, stable as 3), then v2's (4, then 5): the rollback restores version 3.
  t.equal((await deploy(f)).code, 0, 'v1 deployed and stable')
  const second = await deployImage(f, ground.images.v2.uri)
  t.equal(second.code, 0, second.stderr)
  const before = sendCommands(f).length
  const result = await runController(f.aws, f.work, [
    'rollback',
    '--environment',
    'prod',
    '--service',
    'web',
    '--targets',
    'tag:Role=web',
    '--timeout',
    '60',
    '--json',
    '--canary',
    '1',
    '--alarm',
    'web-health',
  ])
  t.equal(result.code, 0, result.stderr)
  const waves = sendCommands(f).slice(before)
  t.strictSame(
    waves.map((c) => c.input.InstanceIds),
    [IDS.slice(0, 1), IDS.slice(1)],
    'the canary by id, then the other three',
  )
  for (const call of waves) {
    t.strictSame(call.input.AlarmConfiguration, {
      Alarms: [{ Name: 'web-health' }],
      IgnorePollAlarmFailure: false,
    })
  }
  t.ok(f.aws.calls.some((c) => c.service === 'cloudwatch' && c.operation === 'DescribeAlarms'))
  t.match(JSON.parse(f.aws.ssm.parameter(RELEASE) ?? '{}'), { state: 'stable', restores: 3 })
})
