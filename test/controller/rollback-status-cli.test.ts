import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { loadGround } from '../ground/ground.ts'
import { fleetStub, stubInstanceEnv } from '../support/fleet-stub.ts'
import { installDeployDocument, startFakeOnGround } from '../support/ground-aws.ts'
import { runController } from '../support/run-controller.ts'

const ground = loadGround()
// Each subtest starts its own fake AWS and stand-in fleet and spends most of its time waiting on SSM (the
// invocations it shows only after a moment, the controller's polls between reads): they run side by side.
t.jobs = 4
const repository = `${ground.registryHost}/${ground.images.v1.repository}`
const pinned = (name: 'v1' | 'v2') => `${repository}@${ground.images[name].digest}`

async function setup(t: Test, digests: Record<string, string>) {
  const aws = await startFakeOnGround(ground)
  t.teardown(() => aws.close())
  const stub = await fleetStub(t)
  for (const [id, digest] of Object.entries(digests)) {
    aws.ssm.addInstance({ id, tags: { Role: 'web' }, env: stubInstanceEnv(stub, id, 'ok', digest) })
  }
  await installDeployDocument(aws, ground.region)
  const home = await mkdtemp(join(tmpdir(), 'ecr-deploy-rb-'))
  t.teardown(() => rm(home, { recursive: true, force: true }))
  const cli = (...args: string[]) => runController(aws, home, [...args, '--region', ground.region])
  return { aws, stub, cli }
}

const fleet = ['--environment', 'prod', '--service', 'web', '--targets', 'tag:Role=web', '--timeout', '60']

const current = (aws: { ssm: { parameter(name: string): string | undefined } }) =>
  JSON.parse(aws.ssm.parameter('/ecr-deploy/prod/web') ?? '{}') as Record<string, unknown>

t.test('rollback applies the release the stable one replaced again, as a new version', async (t) => {
  const { aws, stub, cli } = await setup(t, { 'i-0000000000000000a': '', 'i-0000000000000000b': '' })
  t.equal((await cli('deploy', ...fleet, '--image', ground.images.v1.uri)).code, 0)
  t.equal((await cli('deploy', ...fleet, '--image', ground.images.v2.uri)).code, 0)
  const back = await cli('rollback', ...fleet)
  t.equal(back.code, 0, back.stderr)
  t.match(back.stdout, /release prod\/web version 5 \(restores version 2\) is stable \(version 6\)/)
  t.match(current(aws), {
    image: pinned('v1'),
    state: 'stable',
    restores: 2,
    replaces: { version: 4, image: pinned('v2') },
  })
  const calls = await stub.calls()
  t.strictSame(
    calls.slice(-2).map((line) => line.split(' ').slice(1).join(' ')),
    [
      'deploy --service web --release /ecr-deploy/prod/web:5 --wait',
      'deploy --service web --release /ecr-deploy/prod/web:5 --wait',
    ],
  )
  const forward = await cli('rollback', ...fleet, '--to', '3')
  t.equal(forward.code, 0)
  t.match(current(aws), { image: pinned('v2'), restores: 3 }, '--to picks a version from the history')
  const missing = await cli('rollback', ...fleet, '--to', '99')
  t.equal(missing.code, 2)
  t.match(
    missing.stderr,
    /--to 99: no such release; give a version number \(1 to 8\) or a recorded sha256 digest/,
  )
  const history = await cli('history', '--environment', 'prod', '--service', 'web', '--json')
  t.equal(history.code, 0, history.stderr)
  const listed = JSON.parse(history.stdout) as {
    versions: Array<{ version: number; release: { state: string } }>
  }
  t.strictSame(
    listed.versions.map((v) => [v.version, v.release.state]),
    [
      [8, 'stable'],
      [7, 'rolling'],
      [6, 'stable'],
      [5, 'rolling'],
      [4, 'stable'],
      [3, 'rolling'],
      [2, 'stable'],
      [1, 'rolling'],
    ],
  )
  const text = await cli('history', '--environment', 'prod', '--service', 'web')
  t.match(text.stdout, /^ {3}8 {2}stable {3}[0-9a-f]{12} {2}\S+ {2}\S+ {2}replaces 6, restores 3$/m)
})

t.test('status shows each instance next to the desired release, drift highlighted', async (t) => {
  const { cli } = await setup(t, {
    'i-0000000000000000a': ground.images.v1.digest,
    'i-0000000000000000b': ground.images.v2.digest,
  })
  t.equal((await cli('deploy', ...fleet, '--image', ground.images.v1.uri)).code, 0)
  const status = await cli('status', ...fleet)
  t.equal(status.code, 0, status.stderr)
  const short = (name: 'v1' | 'v2') => ground.images[name].digest.slice(7, 19)
  t.match(status.stdout, `i-0000000000000000a  ${short('v1')}  running  healthy\n`)
  t.match(status.stdout, `i-0000000000000000b  ${short('v2')}  running  healthy  DRIFT`)
  t.match(status.stdout, /2 instance\(s\), 1 not on the desired release/)
})
