import { connect } from 'node:net'
import t from 'tap'
import { HealthFailedError } from '../../../shared/errors.ts'
import { dyingSwitch, refusingSwitch, startBlueGreen } from '../../support/blue-green-harness.ts'
import { get } from '../../support/deploy-harness.ts'
import { startLoad } from '../../support/http-load.ts'
import { useFakeAws } from './fake-aws-env.ts'

await useFakeAws(t)

t.test('under load, v1 -> v2 loses no request and then answers v2 only', async (t) => {
  const h = await startBlueGreen(t)
  const deployer = h.newDeployer()
  await deployer.deploy({ service: 'web', image: h.ground.images.v1.uri })
  const load = startLoad(h.port)
  await load.successes(20)
  const outcome = await deployer.deploy({ service: 'web', image: h.ground.images.v2.uri })
  await load.successes(20)
  const seen = await load.stop()
  t.match(outcome, { result: 'deployed', release: { id: 'r2' }, previous: { id: 'r1' } })
  t.equal(seen.failed, 0, `no failed request (${JSON.stringify(seen.errors)})`)
  t.ok(
    (seen.bodies.v1 ?? 0) > 0 && (seen.bodies.v2 ?? 0) > 0,
    `both answered: ${JSON.stringify(seen.bodies)}`,
  )
  t.equal(seen.last, 'v2')
  t.strictSame(await get(h.port), { status: 200, body: 'v2' })
  const containers = await h.docker.listContainers({ 'ecr-deploy.agent': h.agentId })
  t.strictSame(
    containers.map((c) => [c.name, c.state]),
    [[`ecr-deploy-${h.agentId}-web-r2`, 'running']],
    'the old release is drained, stopped and removed',
  )
  const info = await h.docker.inspect(containers[0]?.id ?? '')
  t.match(
    info?.ports,
    [{ containerPort: 8080, hostIp: '127.0.0.1' }],
    'the release publishes on loopback only',
  )
  t.not(info?.ports[0]?.hostPort, h.port, 'on a port Docker picked, not the public one')
})

t.test('under load, an unhealthy release loses no request: the old one never stops serving', async (t) => {
  const h = await startBlueGreen(t)
  const deployer = h.newDeployer()
  await deployer.deploy({ service: 'web', image: h.ground.images.v1.uri })
  const load = startLoad(h.port)
  await load.successes(20)
  const failure = await deployer
    .deploy({ service: 'web', image: h.ground.images.unhealthy.uri })
    .catch((e) => e)
  const seen = await load.stop()
  t.type(failure, HealthFailedError)
  t.match(failure.message, /release r2 .* failed: .*; release r1 .* kept serving and was never stopped/)
  t.equal(seen.failed, 0, `no failed request (${JSON.stringify(seen.errors)})`)
  t.strictSame(Object.keys(seen.bodies), ['v1'], 'only v1 ever answered')
  const containers = await h.docker.listContainers({ 'ecr-deploy.agent': h.agentId })
  t.strictSame(
    containers.map((c) => c.name),
    [`ecr-deploy-${h.agentId}-web-r1`],
    'the failed container is removed',
  )
  t.match(await deployer.status('web'), [{ state: 'running', healthy: true, current: { id: 'r1' } }])
})

t.test(
  'an agent that dies mid-deploy and restarts loses no request; reconcile finishes on a healthy release',
  async (t) => {
    const h = await startBlueGreen(t)
    const first = h.newDeployer()
    await first.deploy({ service: 'web', image: h.ground.images.v1.uri })
    const load = startLoad(h.port)
    await load.successes(20)
    const { traffic: dying, atSwitch } = dyingSwitch(h.proxyClient)
    void h.newDeployer(dying).deploy({ service: 'web', image: h.ground.images.v2.uri })
    await atSwitch
    await load.successes(20)
    const restarted = h.newDeployer()
    const report = await restarted.reconcile()
    await load.successes(20)
    const seen = await load.stop()
    t.strictSame(report.actions, [
      'web: finished the interrupted deploy of release r2',
      'web: removed 1 container(s) of other releases',
    ])
    t.equal(seen.failed, 0, `no failed request (${JSON.stringify(seen.errors)})`)
    t.equal(seen.last, 'v2')
    const containers = await h.docker.listContainers({ 'ecr-deploy.agent': h.agentId })
    t.strictSame(
      containers.map((c) => c.name),
      [`ecr-deploy-${h.agentId}-web-r2`],
      'no orphan container',
    )
    t.match(await restarted.status('web'), [{ state: 'running', healthy: true, current: { id: 'r2' } }])
    t.strictSame((await restarted.reconcile()).actions, [], 'a second reconcile has nothing to do')
  },
)

t.test(
  'a restarted proxy forwards to the same release from its routes file, without the agent',
  async (t) => {
    const h = await startBlueGreen(t)
    await h.newDeployer().deploy({ service: 'web', image: h.ground.images.v1.uri })
    await h.restartProxy()
    t.strictSame(await get(h.port), { status: 200, body: 'v1' })
  },
)

t.test(
  'a connection opened before the switch finishes on the old release; new ones reach the new one',
  async (t) => {
    const h = await startBlueGreen(t, 60)
    const deployer = h.newDeployer()
    await deployer.deploy({ service: 'web', image: h.ground.images.v1.uri })
    // Plain TCP, opened now and used only after the switch.
    const early = connect({ host: '127.0.0.1', port: h.port })
    t.teardown(() => early.destroy())
    await new Promise((resolve) => early.once('connect', resolve))
    let finished = false
    const deploying = deployer.deploy({ service: 'web', image: h.ground.images.v2.uri }).then((outcome) => {
      finished = true
      return outcome
    })
    for (let i = 0; i < 600; i += 1) {
      const answer = await get(h.port)
      if ('body' in answer && answer.body === 'v2') break
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    t.strictSame(await get(h.port), { status: 200, body: 'v2' }, 'new connections reach v2')
    t.equal(finished, false, 'the deploy waits while the early connection is open')
    const answer = await new Promise<string>((resolve) => {
      let text = ''
      early.setEncoding('utf8')
      early.on('data', (chunk: string) => {
        text += chunk
      })
      early.on('end', () => resolve(text))
      early.write('GET / HTTP/1.0\r\nHost: x\r\n\r\n')
    })
    t.match(answer, /^HTTP\/1\.[01] 200[\s\S]*\r\n\r\nv1/, 'the early connection is answered by v1')
    t.match(await deploying, { result: 'deployed', release: { id: 'r2' } })
  },
)

t.test('a rollback switches the same way: under load it loses no request', async (t) => {
  const h = await startBlueGreen(t)
  const deployer = h.newDeployer()
  await deployer.deploy({ service: 'web', image: h.ground.images.v1.uri })
  await deployer.deploy({ service: 'web', image: h.ground.images.v2.uri })
  const load = startLoad(h.port)
  await load.successes(20)
  const outcome = await deployer.rollback({ service: 'web' })
  await load.successes(20)
  const seen = await load.stop()
  t.match(outcome, { result: 'rolled-back', release: { id: 'r3', digest: h.ground.images.v1.digest } })
  t.equal(seen.failed, 0, `no failed request (${JSON.stringify(seen.errors)})`)
  t.equal(seen.last, 'v1')
})

t.test(
  'a proxy that refuses the switch fails the deploy before anything of the old release stops',
  async (t) => {
    const h = await startBlueGreen(t)
    await h.newDeployer().deploy({ service: 'web', image: h.ground.images.v1.uri })
    const refusing = refusingSwitch(h.proxyClient)
    const deployer = h.newDeployer(refusing)
    const load = startLoad(h.port)
    await load.successes(20)
    await t.rejects(deployer.deploy({ service: 'web', image: h.ground.images.v2.uri }), {
      code: 'E_PROXY',
      message: /EADDRINUSE/,
    })
    await load.successes(20)
    const seen = await load.stop()
    t.equal(seen.failed, 0, `no failed request (${JSON.stringify(seen.errors)})`)
    t.strictSame(Object.keys(seen.bodies), ['v1'])
    const containers = await h.docker.listContainers({ 'ecr-deploy.agent': h.agentId })
    t.strictSame(
      containers.map((c) => c.name),
      [`ecr-deploy-${h.agentId}-web-r1`],
      'the new container is removed',
    )
    t.match(await deployer.history('web'), [
      { id: 'r2', result: 'failed' },
      { id: 'r1', result: 'deployed' },
    ])
  },
)
