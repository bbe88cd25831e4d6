import t from 'tap'
import type { ProgressEvent } from '../../../agent/deploy/deployer.ts'
import { dyingSwitch, refusingSwitch, startBlueGreen } from '../../support/blue-green-harness.ts'
import { get } from '../../support/deploy-harness.ts'
import { startLoad } from '../../support/http-load.ts'
import { useFakeAws } from './fake-aws-env.ts'

/*
 * One service `web` on one public port, moved between strategies by its configuration alone: no
 * container is removed by hand. Real dockerd, registry and ecr-deploy-proxy.
 */

await useFakeAws(t)

t.test('recreate -> blue-green under load, then back to recreate, by configuration alone', async (t) => {
  const h = await startBlueGreen(t)
  await h.newDeployer(undefined, 'recreate').deploy({ service: 'web', image: h.ground.images.v1.uri })
  t.strictSame((await h.proxyClient.status()).routes, [], 'recreate: the container holds the port itself')

  const load = startLoad(h.port)
  await load.successes(20)
  const events: ProgressEvent[] = []
  const marks: [string, string, number][] = []
  const moved = await h.newDeployer().deploy({
    service: 'web',
    image: h.ground.images.v2.uri,
    onProgress: (event) => {
      events.push(event)
      marks.push([event.phase, event.message, performance.now()])
    },
  })

  await load.successes(20)
  const seen = await load.stop()
  t.match(moved, { result: 'deployed', release: { id: 'r2' }, previous: { id: 'r1' } })
  const phases = events.map((event) => event.phase)
  t.ok(
    phases.indexOf('health') >= 0 && phases.indexOf('health') < phases.indexOf('stop'),
    `the old container stops only once the new one is healthy: ${phases.join(' ')}`,
  )
  t.equal(seen.last, 'v2')
  // The README's claim, as facts: requests fail only in the one window between the old container being
  // told to stop and the proxy taking the port, and only as connection failures (the port closing under
  // them or refusing them), never a timeout or an HTTP error; none once the proxy holds the port. Marks
  // are compared for order only (which came first), never for how long anything took.
  const markOf = (phase: string, pattern: RegExp) =>
    marks.find(([p, message]) => p === phase && pattern.test(message))?.[2] ?? Number.NaN
  const healthy = markOf('health', /is healthy/)
  const switched = markOf('switch', /the proxy sends new connections/)
  t.ok(healthy < markOf('stop', /stopping container/) && markOf('stop', /./) < switched, 'marks found')
  t.strictSame(
    seen.failures.filter(({ atMs }) => !(atMs > healthy && atMs < switched)),
    [],
    'no request failed outside the stop window',
  )
  t.strictSame(
    Object.keys(seen.errors).filter((error) => !['ECONNREFUSED', 'ECONNRESET'].includes(error)),
    [],
    `every failure is a refused or reset connection: ${JSON.stringify(seen.errors)}`,
  )
  t.ok(seen.ok >= 40 && seen.bodies.v2 !== undefined, 'the load ran across the move')
  const { routes } = await h.proxyClient.status()
  t.match(
    routes,
    [{ name: 'web/8080', listen: { host: '127.0.0.1', port: h.port } }],
    'the proxy holds the port',
  )
  const containers = await h.docker.listContainers({ 'ecr-deploy.agent': h.agentId })
  t.strictSame(
    containers.map((c) => [c.name, c.state]),
    [[`ecr-deploy-${h.agentId}-web-r2`, 'running']],
    'the recreate container is removed',
  )
  const r2 = await h.docker.inspect(containers[0]?.id ?? '')
  t.notOk(
    r2?.ports.some((p) => p.hostPort === h.port),
    'the blue-green release publishes a loopback port of its own',
  )

  // The next blue-green deploy is an ordinary one: no request lost.
  const steady = startLoad(h.port)
  await steady.successes(20)
  await h.newDeployer().deploy({ service: 'web', image: h.ground.images.v1.uri })
  await steady.successes(20)
  t.equal((await steady.stop()).failed, 0, 'blue-green from then on loses no request')

  // Back to recreate, with the same image: the proxy gives the port up and the container takes it.
  const back = await h.newDeployer(undefined, 'recreate').deploy({
    service: 'web',
    image: h.ground.images.v1.uri,
  })
  t.match(back, { result: 'deployed', release: { id: 'r4' } })
  t.strictSame((await h.proxyClient.status()).routes, [], 'the proxy no longer holds the port')
  t.strictSame(await get(h.port), { status: 200, body: 'v1' })
  const [r4] = await h.docker.listContainers({ 'ecr-deploy.agent': h.agentId })
  t.ok(
    (await h.docker.inspect(r4?.id ?? ''))?.ports.some((p) => p.hostPort === h.port),
    'the recreate release publishes the public port itself',
  )
})

t.test('moving to blue-green, a proxy that refuses the port starts the old container again', async (t) => {
  const h = await startBlueGreen(t)
  const recreate = h.newDeployer(undefined, 'recreate')
  await recreate.deploy({ service: 'web', image: h.ground.images.v1.uri })
  const refusing = refusingSwitch(h.proxyClient)
  await t.rejects(h.newDeployer(refusing).deploy({ service: 'web', image: h.ground.images.v2.uri }), {
    code: 'E_PROXY',
    message: /EADDRINUSE/,
  })
  t.strictSame(await get(h.port), { status: 200, body: 'v1' }, 'the old container serves again')
  const containers = await h.docker.listContainers({ 'ecr-deploy.agent': h.agentId })
  t.strictSame(
    containers.map((c) => [c.name, c.state]),
    [[`ecr-deploy-${h.agentId}-web-r1`, 'running']],
    'the new container is removed, the old one runs',
  )
  t.match(await recreate.history('web'), [
    { id: 'r2', result: 'failed', message: /r1 was started again/ },
    { id: 'r1', result: 'deployed' },
  ])
})

t.test('an agent that dies moving to blue-green is finished by reconcile on the new release', async (t) => {
  const h = await startBlueGreen(t)
  await h.newDeployer(undefined, 'recreate').deploy({ service: 'web', image: h.ground.images.v1.uri })
  // The route call never returns, and the Deployer is dropped: the old container is already stopped.
  const { traffic: dying, atSwitch } = dyingSwitch(h.proxyClient)
  void h.newDeployer(dying).deploy({ service: 'web', image: h.ground.images.v2.uri })
  await atSwitch
  const report = await h.newDeployer().reconcile()
  t.strictSame(report.actions, [
    'web: finished the interrupted deploy of release r2',
    'web: removed 1 container(s) of other releases',
  ])
  t.strictSame(await get(h.port), { status: 200, body: 'v2' }, 'the proxy serves the new release')
  t.match((await h.proxyClient.status()).routes, [{ name: 'web/8080' }])
})
