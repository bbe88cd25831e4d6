import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GetParameterHistoryCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm'
import t, { type Test } from 'tap'
import type { FakeAws } from '../ground/fake-aws/index.ts'
import { testKeys } from '../ground/fake-aws/test-clients.ts'
import { loadGround } from '../ground/ground.ts'
import { until } from '../ground/until.ts'
import { type FleetStub, fleetStub, stubInstanceEnv } from '../support/fleet-stub.ts'
import { installDeployDocument, startFakeOnGround } from '../support/ground-aws.ts'
import { runController, startController } from '../support/run-controller.ts'

// The deploy lock as CI meets it: controllers started as processes against the fake SSM, one simulated
// instance whose stand-in agent holds each deploy until the test opens its gate.
const ground = loadGround()
// Each subtest starts its own fake AWS and stand-in fleet and spends most of its time waiting on SSM (the
// invocations it shows only after a moment, the controller's polls between reads): they run side by side.
t.jobs = 4
const LOCK = '/ecr-deploy-lock/prod/web'
const RELEASE = '/ecr-deploy/prod/web'
const INSTANCE = 'i-0000000000000000a'

interface Fleet {
  aws: FakeAws
  ssm: SSMClient
  stub: FleetStub
  work: string
  gate: string
}

async function fleet(t: Test): Promise<Fleet> {
  const aws = await startFakeOnGround(ground, { ssm: { deliveryTimeoutMs: 500 } })
  const work = await mkdtemp(join(tmpdir(), 'ecr-deploy-lock-'))
  const gate = join(work, 'gate')
  // Opened first, so that no stand-in agent is left waiting when the fake stops.
  t.teardown(async () => {
    await writeFile(gate, '')
    await aws.ssm.settled()
    await aws.close()
    await rm(work, { recursive: true, force: true })
  })
  const stub = await fleetStub(t)
  aws.ssm.addInstance({
    id: INSTANCE,
    tags: { Role: 'web' },
    env: stubInstanceEnv(stub, INSTANCE, 'ok', '', undefined, gate),
  })
  await installDeployDocument(aws, ground.region)
  const ssm = new SSMClient({ endpoint: aws.endpoint, region: ground.region, credentials: testKeys() })
  return { aws, ssm, stub, work, gate }
}

const deployArgs = (...more: string[]) => [
  'deploy',
  '--environment',
  'prod',
  '--service',
  'web',
  '--image',
  ground.images.v1.uri,
  '--targets',
  'tag:Role=web',
  '--timeout',
  '60',
  ...more,
]

const as = (actor: string) => ({ GITHUB_ACTOR: actor })
const lockPuts = (f: Fleet) =>
  f.aws.calls.filter((c) => c.operation === 'PutParameter' && c.input.Name === LOCK)
const lockHolder = (f: Fleet) =>
  JSON.parse(f.aws.ssm.parameter(LOCK) ?? 'null') as Record<string, unknown> | null

async function releaseHistory(f: Fleet) {
  const out = await f.ssm.send(new GetParameterHistoryCommand({ Name: RELEASE }))
  return (out.Parameters ?? []).map((p) => {
    const release = JSON.parse(p.Value ?? '{}') as { state: string; origin: { actor: string } }
    return `${p.Version} ${release.origin.actor} ${release.state}`
  })
}

t.test('of two deploys started at once, one deploys while the other waits, then deploys', async (t) => {
  const f = await fleet(t)
  const alice = startController(f.aws, f.work, deployArgs('--lock-wait', '120'), as('alice')).done
  const bob = startController(f.aws, f.work, deployArgs('--lock-wait', '120'), as('bob')).done
  // One holds the lock and its deploy is on the instance; the other has been refused the lock.
  await until('one deploy on the instance and the other refused the lock', async () =>
    (await f.stub.calls()).length === 1 && lockPuts(f).length >= 2 ? true : undefined,
  )
  const first = lockHolder(f)?.actor
  t.ok(first === 'alice' || first === 'bob', 'the lock names the run that holds it')
  await writeFile(f.gate, '')
  const [a, b] = await Promise.all([alice, bob])
  t.equal(a.code, 0, a.stderr)
  t.equal(b.code, 0, b.stderr)
  const second = first === 'alice' ? 'bob' : 'alice'
  t.strictSame(
    await releaseHistory(f),
    [`1 ${first} rolling`, `2 ${first} stable`, `3 ${second} rolling`, `4 ${second} stable`],
    'the releases follow each other, never interleaved',
  )
  t.match(
    (first === 'alice' ? b : a).stderr,
    /waiting for the deploy lock \/ecr-deploy-lock\/prod\/web, held by "/,
  )
  // Each deploy: the pull on the one instance, then the switch.
  t.equal((await f.stub.calls()).length, 4)
  t.equal(f.aws.ssm.parameter(LOCK), undefined, 'released at the end')
})

t.test('without --lock-wait a held lock is exit 3 and nothing is written or sent', async (t) => {
  const f = await fleet(t)
  const holder = startController(f.aws, f.work, deployArgs(), as('alice')).done
  await until('the first deploy on the instance', async () =>
    (await f.stub.calls()).length === 1 ? true : undefined,
  )
  const refused = await runController(f.aws, f.work, deployArgs(), as('bob'))
  t.equal(refused.code, 3)
  t.match(
    refused.stderr,
    /^error \[E_BUSY\]: another deploy of prod\/web holds the lock \/ecr-deploy-lock\/prod\/web: "alice"/,
  )
  const status = await runController(f.aws, f.work, [
    'lock',
    'status',
    '--environment',
    'prod',
    '--service',
    'web',
  ])
  t.match(status.stdout, /^the deploy lock \/ecr-deploy-lock\/prod\/web is held by "alice", for \d+ s since /)
  await writeFile(f.gate, '')
  t.equal((await holder).code, 0)
  t.strictSame(await releaseHistory(f), ['1 alice rolling', '2 alice stable'])
})

const staleHolder = {
  format: 1,
  token: 'dead0000',
  actor: 'ghost',
  runUrl: 'https://github.com/acme/shop/actions/runs/7',
  acquiredAt: '2026-01-01T00:00:00.000Z',
}

t.test('a lock older than --lock-ttl is taken over with a warning', async (t) => {
  const f = await fleet(t)
  await writeFile(f.gate, '')
  await f.ssm.send(
    new PutParameterCommand({ Name: LOCK, Value: JSON.stringify(staleHolder), Type: 'String' }),
  )
  const run = await runController(f.aws, f.work, deployArgs(), as('alice'))
  t.equal(run.code, 0, run.stderr)
  t.match(
    run.stderr,
    /^warning: took over the deploy lock \/ecr-deploy-lock\/prod\/web from "ghost" \(https:\/\/github.com\/acme\/shop\/actions\/runs\/7\), for \d+ s since 2026-01-01T00:00:00.000Z, last renewed \d+ s ago at 2026-01-01T00:00:00.000Z: not renewed for --lock-ttl 3600 s/m,
  )
  t.strictSame(await releaseHistory(f), ['1 alice rolling', '2 alice stable'])
  t.equal(f.aws.ssm.parameter(LOCK), undefined)
})

t.test(
  'a deploy that runs longer than --lock-ttl renews its lock, and a second one is refused',
  async (t) => {
    const f = await fleet(t)
    const ttl = ['--lock-ttl', '15']
    const alice = startController(f.aws, f.work, deployArgs(...ttl), as('alice')).done
    // Held at the gate until its lock was taken more than --lock-ttl ago: only renewals keep it fresh.
    const taken = await until('the lock taken --lock-ttl ago', async () => {
      const holder = lockHolder(f)
      const at = Date.parse(String(holder?.acquiredAt))
      return holder !== null && Date.now() - at >= 15_000 ? holder : undefined
    })
    t.ok(Date.parse(String(taken.renewedAt)) > Date.parse(String(taken.acquiredAt)), 'renewed meanwhile')
    let refused: Awaited<ReturnType<typeof runController>> | undefined
    const bob = runController(f.aws, f.work, deployArgs(...ttl), as('bob')).then((run) => {
      refused = run
    })
    const outcome = await until('bob refused, or holding the lock', async () =>
      refused !== undefined ? 'refused' : lockHolder(f)?.actor === 'bob' ? 'taken over' : undefined,
    )
    await writeFile(f.gate, '')
    await bob
    t.equal(outcome, 'refused', 'the live deploy is not taken over')
    t.equal(refused?.code, 3, refused?.stderr ?? '')
    t.match(
      refused?.stderr,
      /^error \[E_BUSY\]: another deploy of prod\/web holds the lock \/ecr-deploy-lock\/prod\/web: "alice", for \d+ s since \S+, last renewed \d+ s ago at /,
    )
    const done = await alice
    t.equal(done.code, 0, done.stderr)
    t.notMatch(done.stderr, /lost the deploy lock|could not renew/)
    t.strictSame(await releaseHistory(f), ['1 alice rolling', '2 alice stable'])
    t.equal(f.aws.ssm.parameter(LOCK), undefined, 'released at the end')
  },
)

t.test('SIGTERM mid-deploy releases the lock and exits 130; SIGKILL leaves it to the TTL', async (t) => {
  const f = await fleet(t)
  const term = startController(f.aws, f.work, deployArgs(), as('alice'))
  await until('the deploy on the instance', async () =>
    (await f.stub.calls()).length === 1 ? true : undefined,
  )
  t.equal(lockHolder(f)?.actor, 'alice')
  term.child.kill('SIGTERM')
  const stopped = await term.done
  t.equal(stopped.code, 130)
  t.match(stopped.stderr, /^error \[E_INTERRUPTED\]: stopped by SIGTERM$/m)
  t.equal(f.aws.ssm.parameter(LOCK), undefined, 'the signal path released it')

  const kill = startController(f.aws, f.work, deployArgs(), as('bob'))
  await until('the second deploy on the instance', async () =>
    (await f.stub.calls()).length === 2 ? true : undefined,
  )
  kill.child.kill('SIGKILL')
  await kill.done
  const left = lockHolder(f)
  t.equal(left?.actor, 'bob', 'SIGKILL cannot be caught: the lock stays')
  const busy = await runController(f.aws, f.work, deployArgs(), as('carol'))
  t.equal(busy.code, 3)
  // An hour later (the holder's times moved back), the TTL lets the next deploy take it over.
  const anHourAgo = new Date(Date.now() - 3_601_000).toISOString()
  await f.ssm.send(
    new PutParameterCommand({
      Name: LOCK,
      Value: JSON.stringify({ ...left, acquiredAt: anHourAgo, renewedAt: anHourAgo }),
      Overwrite: true,
    }),
  )
  await writeFile(f.gate, '')
  const taken = await runController(f.aws, f.work, deployArgs(), as('carol'))
  t.equal(taken.code, 0, taken.stderr)
  t.match(taken.stderr, /took over the deploy lock \/ecr-deploy-lock\/prod\/web from "bob"/)
  t.equal(f.aws.ssm.parameter(LOCK), undefined)
})

t.test('lock release deletes a lock left behind, and says who held it', async (t) => {
  const f = await fleet(t)
  await f.ssm.send(
    new PutParameterCommand({ Name: LOCK, Value: JSON.stringify(staleHolder), Type: 'String' }),
  )
  const args = ['lock', 'release', '--environment', 'prod', '--service', 'web']
  const released = await runController(f.aws, f.work, args)
  t.equal(released.code, 0, released.stderr)
  t.match(released.stdout, /^released the deploy lock \/ecr-deploy-lock\/prod\/web, held by "ghost" /)
  t.equal(f.aws.ssm.parameter(LOCK), undefined)
  t.equal(
    (await runController(f.aws, f.work, args)).stdout,
    'the deploy lock /ecr-deploy-lock/prod/web was not held\n',
  )
})
