import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { rollbackTarget } from '../../controller/rollback.ts'
import { UsageError } from '../../shared/errors.ts'
import { loadGround } from '../ground/ground.ts'
import { fleetStub, stubInstanceEnv } from '../support/fleet-stub.ts'
import { installDeployDocument, startFakeOnGround } from '../support/ground-aws.ts'
import { runController } from '../support/run-controller.ts'

const ground = loadGround()
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

const fleet = ['--service', 'web', '--targets', 'tag:Role=web', '--timeout', '60']

t.test('rollback deploys the previous desired release and records it', async (t) => {
  const { aws, stub, cli } = await setup(t, { 'i-0000000000000000a': '', 'i-0000000000000000b': '' })
  t.equal((await cli('deploy', ...fleet, '--image', ground.images.v1.uri)).code, 0)
  t.equal((await cli('deploy', ...fleet, '--image', ground.images.v2.uri)).code, 0)
  const back = await cli('rollback', ...fleet)
  t.equal(back.code, 0, back.stderr)
  t.equal(aws.ssm.parameter('/ecr-deploy/web'), pinned('v1'))
  const calls = await stub.calls()
  t.strictSame(
    calls.slice(-2).map((line) => line.split(' ').slice(1).join(' ')),
    [
      `deploy --service web --image ${pinned('v1')} --wait`,
      `deploy --service web --image ${pinned('v1')} --wait`,
    ],
  )
  const forward = await cli('rollback', ...fleet, '--to', '2')
  t.equal(forward.code, 0)
  t.equal(aws.ssm.parameter('/ecr-deploy/web'), pinned('v2'), '--to picks a version from the history')
  const missing = await cli('rollback', ...fleet, '--to', '99')
  t.equal(missing.code, 2)
  t.match(
    missing.stderr,
    /--to 99: no such release; give a version number \(1 to 4\) or a recorded sha256 digest/,
  )
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

t.test('rollbackTarget picks the newest different release, or the one asked for', async (t) => {
  const history = [
    { version: 1, value: `r@sha256:${'1'.repeat(64)}` },
    { version: 2, value: `r@sha256:${'2'.repeat(64)}` },
    { version: 3, value: `r@sha256:${'2'.repeat(64)}` },
  ]
  t.equal(rollbackTarget(history).version, 1)
  t.equal(rollbackTarget(history, `sha256:${'2'.repeat(64)}`).version, 3)
  t.throws(
    () => rollbackTarget([]),
    new UsageError('no desired release is recorded for this service: deploy it first'),
  )
  t.throws(() => rollbackTarget(history.slice(1)), /there is nothing earlier to roll back to/)
})
