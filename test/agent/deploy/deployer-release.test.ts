import t from 'tap'
import type { ReleaseRef } from '../../../agent/deploy/deployer.ts'
import { HealthFailedError, PolicyRefusedError } from '../../../shared/errors.ts'
import { get, type Harness, startHarness } from '../../support/deploy-harness.ts'
import { useFakeAws } from './fake-aws-env.ts'

/*
 * A release carries its spec: the deployer runs the file's entry with the spec on top, within the file's
 * policy. The same digest with another spec is a new release, and the agent's own rollback (after a
 * failed health check, or `rollback`) brings the previous release back with its own spec.
 */

await useFakeAws(t)

const ref = (version: number, spec: ReleaseRef['spec']): ReleaseRef => ({
  selector: `/ecr-deploy/prod/web:${version}`,
  spec,
})

function lastEnv(h: Harness): Readonly<Record<string, string>> | undefined {
  return h.docker.created.at(-1)?.env
}

async function running(h: Harness): Promise<[string, string][]> {
  const containers = await h.docker.listContainers({ 'ecr-deploy.agent': h.agentId })
  return containers.map((c) => [c.name, c.state])
}

t.test('an env or health check change is a new release; rollbacks restore the previous spec', async (t) => {
  const h = await startHarness(t)
  const image = h.ground.images.v1.uri
  const one = await h.deployer.deploy({ service: 'web', image, release: ref(1, { env: { MODE: 'one' } }) })
  t.equal(one.result, 'deployed')
  t.same(lastEnv(h), { MODE: 'one', GREETING: 'hello from ssm' })

  const two = await h.deployer.deploy({ service: 'web', image, release: ref(2, { env: { MODE: 'two' } }) })
  t.equal(two.result, 'deployed', 'the same digest with another spec is not unchanged')
  t.equal(two.release.digest, one.release.digest)
  t.same(lastEnv(h), { MODE: 'two', GREETING: 'hello from ssm' })
  const again = await h.deployer.deploy({ service: 'web', image, release: ref(3, { env: { MODE: 'two' } }) })
  t.equal(again.result, 'unchanged', 'the same digest and the same spec is unchanged')

  // A health check the image cannot pass: the switch fails and r2 comes back with its own spec (MODE=two,
  // and its health check: restored under the failed one, the restore would fail too).
  const broken = {
    env: { MODE: 'three' },
    healthCheck: { http: { path: '/nope', port: 8080 }, interval: 0.2, startPeriod: 0.5, retries: 2 },
  }
  const failure = await h.deployer
    .deploy({ service: 'web', image, release: ref(4, broken) })
    .catch((e: unknown) => e)
  t.type(failure, HealthFailedError)
  t.match((failure as Error).message, /restored release r2 .*, which is healthy/)
  t.same(lastEnv(h), { MODE: 'two', GREETING: 'hello from ssm' }, 'restored with its own env')
  t.strictSame(await get(h.port), { status: 200, body: 'v1' })
  t.match(await h.deployer.status('web'), [
    {
      state: 'running',
      healthy: true,
      release: '/ecr-deploy/prod/web:2',
      current: { id: 'r2', spec: { env: { MODE: 'two' } } },
    },
  ])

  const back = await h.deployer.rollback({ service: 'web' })
  t.equal(back.result, 'rolled-back')
  t.same(lastEnv(h), { MODE: 'one', GREETING: 'hello from ssm' }, 'rollback brings back the spec of r1')
  t.match(await h.deployer.status('web'), [
    { release: '/ecr-deploy/prod/web:1', current: { release: '/ecr-deploy/prod/web:1' } },
  ])

  const bare = await h.deployer.deploy({ service: 'web', image })
  t.equal(bare.result, 'deployed', 'a bare image runs the file entry alone: another spec than r1')
  t.same(lastEnv(h), { MODE: 'test', GREETING: 'hello from ssm' })
  const [status] = await h.deployer.status('web')
  t.notOk(status && 'release' in status, 'a bare image has no release selector')
})

t.test('a spec outside the file is refused with nothing changed', async (t) => {
  const h = await startHarness(t)
  const image = h.ground.images.v1.uri
  await h.deployer.deploy({ service: 'web', image, release: ref(1, {}) })
  const ledger = JSON.stringify(await h.state.read('web'))
  const before = await running(h)
  const created = h.docker.created.length
  for (const spec of [
    { ports: [`127.0.0.1:${h.port + 1}:8080`] },
    { volumes: ['/etc:/host-etc:ro'] },
    { envFromParameters: { SECRET: '/other/secret' } },
  ]) {
    const refused = await h.deployer
      .deploy({ service: 'web', image: h.ground.images.v2.uri, release: ref(2, spec) })
      .catch((e: unknown) => e)
    t.type(refused, PolicyRefusedError, JSON.stringify(spec))
    t.match(
      (refused as Error).message,
      /^release \/ecr-deploy\/prod\/web:2: spec\.(ports\[0\]|volumes\[0\]|envFromParameters\.SECRET): .* is outside what \/etc\/ecr-deploy\/agent\.yaml allows for service "web"/,
    )
  }
  t.equal(h.docker.created.length, created, 'no container was created')
  t.same(
    h.docker.pulls.filter((p) => p.includes('v2')),
    [],
    'nothing was pulled',
  )
  t.strictSame(await running(h), before, 'the running container stays')
  t.equal(JSON.stringify(await h.state.read('web')), ledger, 'the ledger is unchanged')
  t.strictSame(await get(h.port), { status: 200, body: 'v1' })
})

t.test('reconcile re-creates a lost container as its release was deployed, spec included', async (t) => {
  const h = await startHarness(t)
  await h.deployer.deploy({
    service: 'web',
    image: h.ground.images.v1.uri,
    release: ref(1, { env: { MODE: 'one' } }),
  })
  const [container] = await h.docker.listContainers({ 'ecr-deploy.agent': h.agentId })
  await h.docker.remove(container?.id ?? '')
  const report = await h.deployer.reconcile()
  t.match(report.actions, [/^web: re-created release r1 \(its container was missing\)$/])
  t.same(lastEnv(h), { MODE: 'one', GREETING: 'hello from ssm' })
  t.strictSame(await get(h.port), { status: 200, body: 'v1' })
})
