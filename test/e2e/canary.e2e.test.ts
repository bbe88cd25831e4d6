import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import type { RecordedCall } from '../ground/fake-aws/index.ts'
import { loadGround } from '../ground/ground.ts'
import { until } from '../ground/until.ts'
import { startFakeOnGround } from '../support/ground-aws.ts'
import { runController } from '../support/run-controller.ts'
import { served, startSimFleet } from '../support/sim-fleet.ts'

/*
 * Waves with real agents: the controller CLI sends each wave through the fake SSM to three simulated
 * instances, each a real agent daemon on the real dockerd and registry, and watches a CloudWatch alarm in
 * the fake. A clean run goes through every wave; an alarm that fires while the canary bakes rolls the
 * canary back and the rest never receive the release; a canary that fails its health check stops the
 * rollout there.
 */

const ground = loadGround()
const aws = await startFakeOnGround(ground)
const dir = await mkdtemp(join(tmpdir(), 'canary-e2e-'))
const [A, B, C] = ['i-00000000000000a01', 'i-00000000000000b02', 'i-00000000000000c03']
const fleet = await startSimFleet(aws, ground, [
  { id: A, name: 'a' },
  { id: B, name: 'b' },
  { id: C, name: 'c' },
])
aws.cloudwatch.setAlarm('web-health', 'OK', { composite: true })
t.teardown(async () => {
  await fleet.stop()
  await aws.close()
  await rm(dir, { recursive: true, force: true })
})

const RELEASE = '/ecr-deploy/prod/web'
const deploy = (tag: string, ...extra: string[]) =>
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
    ...extra,
  ])

/** A switch, not the pull every target runs before the first wave. */
const isDeploy = (c: RecordedCall) =>
  (c.input.Parameters as Record<string, string[]>).action?.[0] === 'deploy'

/** The deploy SendCommands from `from` on: the ids each went to and the release version it named. */
function sends(from: number): [readonly string[], string][] {
  return aws.calls
    .slice(from)
    .filter((c): c is RecordedCall => c.operation === 'SendCommand' && isDeploy(c))
    .map((c) => {
      const release = (c.input.Parameters as Record<string, string[]>).release?.[0] ?? ''
      return [c.input.InstanceIds as string[], release.replace(`${RELEASE}:`, '')]
    })
}
const state = () => (JSON.parse(aws.ssm.parameter(RELEASE) ?? '{}') as { state?: string }).state
const servedAll = () => Promise.all(fleet.instances.map((i) => served(i.port)))

t.test('a clean run sends every wave, one after the other, and marks the release stable', async (t) => {
  const from = aws.calls.length
  const result = await deploy('v1', '--waves', '1,50%,100%', '--alarm', 'web-health')
  t.equal(result.code, 0, `${result.stdout}\n${result.stderr}`)
  t.strictSame(sends(from), [
    [[A], '1'],
    [[B], '1'],
    [[C], '1'],
  ])
  t.strictSame(await servedAll(), ['v1', 'v1', 'v1'])
  t.equal(state(), 'stable')
})

t.test('an alarm firing during the bake rolls the canary back; the rest never get the release', async (t) => {
  const from = aws.calls.length
  const running = deploy('v2', '--canary', '1', '--bake', '60', '--alarm', 'web-health')
  // The bake has begun once the controller reads the alarm after the canary's command.
  await until('the alarm read in the bake', () => {
    const calls = aws.calls.slice(from)
    const sent = calls.findIndex((c) => c.operation === 'SendCommand' && isDeploy(c))
    return sent >= 0 && calls.slice(sent).some((c) => c.operation === 'DescribeAlarms') ? true : undefined
  })
  t.equal(await served(fleet.instances[0]?.port ?? 0), 'v2', 'the canary runs v2 while it bakes')
  aws.cloudwatch.setAlarm('web-health', 'ALARM')
  t.teardown(() => aws.cloudwatch.setAlarm('web-health', 'OK'))
  const result = await running
  t.equal(result.code, 15, `${result.stdout}\n${result.stderr}`)
  t.match(result.stderr, /E_ROLLOUT_ABORTED.*alarm web-health is in ALARM after wave 1 of 2/)
  t.strictSame(
    sends(from),
    [
      [[A], '3'],
      [[A], '2'],
    ],
    'v2 (version 3) to the canary, then the stable version 2 back to it; B and C were never sent v2',
  )
  t.strictSame(await servedAll(), ['v1', 'v1', 'v1'])
  t.equal(state(), 'aborted')
})

t.test('a canary that fails its health check stops the rollout: nobody else is sent it', async (t) => {
  const from = aws.calls.length
  const result = await deploy('unhealthy', '--canary', '1')
  t.equal(result.code, 15, `${result.stdout}\n${result.stderr}`)
  t.match(result.stderr, /wave 1 of 2: 1 instance\(s\) failed .*i-00000000000000a01/)
  t.equal(sends(from).length, 1, 'the canary only; its agent restored v1, so no rollback is sent')
  t.strictSame(await servedAll(), ['v1', 'v1', 'v1'])
  t.equal(state(), 'aborted')
})
