import t from 'tap'
import type { DeployerDeps } from '../../../agent/deploy/deps.ts'
import {
  drain,
  holdsPublicPort,
  proxyRoutesOf,
  routeTo,
  unroute,
  upstreamOf,
} from '../../../agent/deploy/traffic.ts'
import type { ContainerInfo } from '../../../agent/docker/engine.ts'
import { parseConfig } from '../../../shared/agent-config/parse.ts'
import { FakeClock } from '../../support/fake-clock.ts'
import { FakeTraffic } from '../proxy/fake-traffic.ts'

const config = parseConfig(
  `agentId: a1
services:
  web:
    repository: 123456789012.dkr.ecr.us-east-1.amazonaws.com/web
    strategy: blue-green
    drainTimeout: 2
    ports: ["127.0.0.1:8080:80", "9090:90"]
`,
  '/etc/ecr-deploy/agent.yaml',
  'host',
)
const web = config.services.web
if (!web) throw new Error('no web service')

function container(ports: ContainerInfo['ports'], ipAddress?: string): ContainerInfo {
  return {
    ...(ipAddress === undefined ? {} : { ipAddress }),
    id: 'c2',
    name: 'ecr-deploy-a1-web-r2',
    image: 'img',
    imageId: 'sha256:x',
    labels: {},
    state: 'running',
    running: true,
    exitCode: 0,
    restartCount: 0,
    health: 'none',
    ports,
  }
}

function deps(
  traffic: FakeTraffic | undefined,
  info: ContainerInfo | null,
  clock = new FakeClock(),
): DeployerDeps {
  return {
    docker: { inspect: async () => info },
    clock,
    logger: { debug: () => {} },
    ...(traffic ? { traffic } : {}),
  } as unknown as DeployerDeps
}

const published = container([
  { containerPort: 80, hostIp: '127.0.0.1', hostPort: 32768 },
  { containerPort: 90, hostIp: '127.0.0.1', hostPort: 32769 },
])

t.test(
  'routeTo points each public port at the loopback port Docker picked, and skips unchanged routes',
  async (t) => {
    const traffic = new FakeTraffic()
    await routeTo(deps(traffic, published), web, 'c2')
    t.strictSame(traffic.calls, [
      {
        name: 'web/80',
        listen: { host: '127.0.0.1', port: 8080 },
        upstream: { host: '127.0.0.1', port: 32768 },
      },
      {
        name: 'web/90',
        listen: { host: '0.0.0.0', port: 9090 },
        upstream: { host: '127.0.0.1', port: 32769 },
      },
    ])
    await routeTo(deps(traffic, published), web, 'c2')
    t.equal(traffic.calls.length, 2, 'a second call with the same upstream changes nothing')
  },
)

t.test(
  'routeTo refuses a container without a published port, and a missing proxy, with a next step',
  async (t) => {
    const traffic = new FakeTraffic()
    await t.rejects(routeTo(deps(traffic, container([])), web, 'c2'), {
      code: 'E_PROXY',
      message:
        'container c2 of service "web" publishes no host port for container port 80; it cannot receive traffic from the proxy',
    })
    await t.rejects(routeTo(deps(undefined, published), web, 'c2'), {
      code: 'E_CONFIG_INVALID',
      message:
        /strategy blue-green, but this agent has no proxy to switch; install and start ecr-deploy-proxy/,
    })
    t.strictSame(traffic.calls, [])
  },
)

t.test('drain waits until the container has no connection, polling the proxy', async (t) => {
  const traffic = new FakeTraffic()
  traffic.connections = { '127.0.0.1:32768': [2, 1, 0], '127.0.0.1:9999': 5 }
  const clock = new FakeClock()
  t.equal(await drain(deps(traffic, published, clock), web, 'c2', 2), 0)
  t.strictSame(clock.sleeps, [200, 200], 'other upstreams do not count')
})

t.test('drain gives up at the timeout and says how many connections were left', async (t) => {
  const traffic = new FakeTraffic()
  traffic.connections = { '127.0.0.1:32769': 1 }
  const clock = new FakeClock()
  t.equal(await drain(deps(traffic, published, clock), web, 'c2', 2), 1)
  t.equal(clock.sleeps.length, 10, '2 s in steps of 200 ms')
})

t.test('upstreamOf: the container address, skipping the Docker forwarder', async (t) => {
  const published = [{ containerPort: 8080, hostIp: '127.0.0.1', hostPort: 49153 }]
  t.strictSame(upstreamOf(container(published, '172.18.0.5'), 8080), { host: '172.18.0.5', port: 8080 })
  t.strictSame(
    upstreamOf(container(published), 8080),
    { host: '127.0.0.1', port: 49153 },
    'no address: loopback port',
  )
  t.strictSame(upstreamOf(container([{ containerPort: 8080, hostIp: '0.0.0.0', hostPort: 49153 }]), 8080), {
    host: '127.0.0.1',
    port: 49153,
  })
  t.equal(upstreamOf(container([], '172.18.0.5'), 8080), null, 'an unpublished port has no upstream yet')
})

t.test('holdsPublicPort: a container publishing a public host port itself, as recreate does', async (t) => {
  t.ok(holdsPublicPort(container([{ containerPort: 80, hostIp: '127.0.0.1', hostPort: 8080 }]), web))
  t.ok(holdsPublicPort(container([{ containerPort: 90, hostIp: '0.0.0.0', hostPort: 9090 }]), web))
  t.notOk(holdsPublicPort(published, web), 'loopback ports Docker picked are not public ports')
  t.notOk(holdsPublicPort(container([]), web))
})

t.test(
  'proxyRoutesOf: the routes of this service only; none without a proxy or when it is down',
  async (t) => {
    const traffic = new FakeTraffic()
    const listen = { host: '0.0.0.0', port: 9090 }
    await traffic.route('web/90', listen, { host: '172.18.0.2', port: 90 })
    await traffic.route('api/90', { host: '0.0.0.0', port: 9191 }, { host: '172.18.0.3', port: 90 })
    t.strictSame(await proxyRoutesOf(deps(traffic, null), web), ['web/90'])
    t.strictSame(await proxyRoutesOf(deps(undefined, null), web), [])
    traffic.failure = new Error('connect ENOENT /run/ecr-deploy-proxy/proxy.sock')
    const down = { ...deps(traffic, null), traffic: { status: async () => Promise.reject(traffic.failure) } }
    t.strictSame(await proxyRoutesOf(down as unknown as DeployerDeps, web), [])
  },
)

t.test('unroute removes the named routes the proxy holds and skips the others', async (t) => {
  const traffic = new FakeTraffic()
  await traffic.route('web/90', { host: '0.0.0.0', port: 9090 }, { host: '172.18.0.2', port: 90 })
  await unroute(deps(traffic, null), web, ['web/80', 'web/90'])
  t.strictSame(traffic.removed, ['web/90'])
  t.strictSame([...traffic.routes.keys()], [])
})
