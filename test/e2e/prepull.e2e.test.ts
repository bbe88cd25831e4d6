import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import type { RecordedCall } from '../ground/fake-aws/index.ts'
import { loadGround } from '../ground/ground.ts'
import { startFakeOnGround } from '../support/ground-aws.ts'
import { runController } from '../support/run-controller.ts'
import { served, startSimFleet } from '../support/sim-fleet.ts'

/*
 * The pull before the switch, with real agents: the controller CLI sends `pull` to the whole fleet through
 * the fake SSM, each simulated instance's real agent reads the release with its instance role and pulls
 * from the real registry, and only then do the waves switch. One instance whose file refuses the
 * release's spec cannot pull it: the rollout stops there and no instance switches.
 */

const ground = loadGround()
const aws = await startFakeOnGround(ground)
const dir = await mkdtemp(join(tmpdir(), 'prepull-e2e-'))
const [A, B, C] = ['i-00000000000000a11', 'i-00000000000000b12', 'i-00000000000000c13']
const fleet = await startSimFleet(aws, ground, [
  { id: A, name: 'a' },
  { id: B, name: 'b' },
  // C's file caps memory: a release asking for more is refused by its policy, on pull as on deploy.
  { id: C, name: 'c', serviceLines: ['    memory: 256m'] },
])
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

/** Each SendCommand from `from` on: its action, the ids it went to (or `targets`), and the version. */
function sends(from: number): [string, readonly string[] | 'targets', string][] {
  return aws.calls
    .slice(from)
    .filter((c): c is RecordedCall => c.operation === 'SendCommand')
    .map((c) => {
      const parameters = c.input.Parameters as Record<string, string[]>
      const ids = (c.input.InstanceIds as string[] | undefined) ?? 'targets'
      return [parameters.action?.[0] ?? '', ids, (parameters.release?.[0] ?? '').replace(`${RELEASE}:`, '')]
    })
}
const state = () => (JSON.parse(aws.ssm.parameter(RELEASE) ?? '{}') as { state?: string }).state
const servedAll = () => Promise.all(fleet.instances.map((i) => served(i.port)))

t.test('every instance pulls first, then the waves switch, and the release is stable', async (t) => {
  const from = aws.calls.length
  const result = await deploy('v1', '--waves', '1,100%')
  t.equal(result.code, 0, `${result.stdout}\n${result.stderr}`)
  t.strictSame(sends(from), [
    ['pull', 'targets', '1'],
    ['deploy', [A], '1'],
    ['deploy', [B, C], '1'],
  ])
  t.match(result.stdout, /^pull web: \/ecr-deploy\/prod\/web:1 = .*\n {2}command [^:]+: 3 succeeded/m)
  t.strictSame(await servedAll(), ['v1', 'v1', 'v1'])
  t.equal(state(), 'stable')
})

t.test('an instance that cannot pull stops the rollout before any instance switches', async (t) => {
  const spec = join(dir, 'web.yaml')
  await writeFile(spec, 'memory: 512m\n')
  const from = aws.calls.length
  const result = await deploy('v2', '--waves', '1,100%', '--spec', spec)
  t.equal(result.code, 4, `${result.stdout}\n${result.stderr}`)
  t.strictSame(sends(from), [['pull', 'targets', '3']], 'the pull only: no wave was sent')
  t.match(
    result.stdout,
    new RegExp(`${C} failed: Failed: \\[E_POLICY_REFUSED\\] release /ecr-deploy/prod/web:3: spec\\.memory`),
  )
  t.match(result.stdout, `no instance switched: the pull before the first wave failed on ${C}`)
  t.match(result.stderr, /^error \[E_PULL_FAILED\]: 1 of 3 instance\(s\) could not pull/m)
  t.strictSame(await servedAll(), ['v1', 'v1', 'v1'], 'every instance still serves v1')
  t.equal(state(), 'aborted')
})

t.test('--no-prepull sends the waves alone', async (t) => {
  const from = aws.calls.length
  const result = await deploy('v2', '--waves', '1,100%', '--no-prepull')
  t.equal(result.code, 0, `${result.stdout}\n${result.stderr}`)
  t.strictSame(
    sends(from).map(([action]) => action),
    ['deploy', 'deploy'],
  )
  t.strictSame(await servedAll(), ['v2', 'v2', 'v2'])
})
