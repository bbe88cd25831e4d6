import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import type { ContainerInfo } from '../../../agent/docker/engine.ts'
import { httpProbe, type Probes, tcpProbe } from '../../../agent/health/probes.ts'
import { addressOf, waitHealthy } from '../../../agent/health/wait-healthy.ts'
import type { HealthCheckConfig, HealthProbe } from '../../../shared/agent-config/types.ts'
import { FakeClock } from '../../support/fake-clock.ts'

const RUNNING: ContainerInfo = {
  id: 'c1',
  name: 'n',
  image: 'i',
  imageId: 'sha256:x',
  labels: {},
  state: 'running',
  running: true,
  exitCode: 0,
  restartCount: 0,
  health: 'none',
  ipAddress: '172.17.0.5',
  ports: [{ containerPort: 8080, hostIp: '0.0.0.0', hostPort: 18080 }],
}

function check(probe: HealthProbe, overrides: Partial<HealthCheckConfig> = {}): HealthCheckConfig {
  return { probe, intervalMs: 1000, timeoutMs: 500, startPeriodMs: 3000, retries: 2, ...overrides }
}

/** Probes answering from a script, recording where they were pointed. */
function scripted(answers: boolean[]): Probes & { targets: string[] } {
  const targets: string[] = []
  const next = (target: string) => {
    targets.push(target)
    const ok = answers.shift() ?? false
    return Promise.resolve({ ok, detail: `${target} ${ok ? 'ok' : 'refused'}` })
  }
  return {
    targets,
    http: (host, port, path) => next(`${host}:${port}${path}`),
    tcp: (host, port) => next(`${host}:${port}`),
  }
}

const http = { kind: 'http', path: '/health', port: 8080, expectedStatus: 200 } as const

t.test('healthy on the first passing probe, failures in the start period do not count', async (t) => {
  const clock = new FakeClock()
  const probes = scripted([false, false, false, true])
  const verdict = await waitHealthy({ check: check(http), inspect: async () => RUNNING, probes, clock })
  t.strictSame(verdict, { healthy: true, checks: 4, detail: '127.0.0.1:18080/health ok' })
  t.strictSame(clock.sleeps, [1000, 1000, 1000])
})

t.test('unhealthy after `retries` failures past the start period', async (t) => {
  const clock = new FakeClock()
  const verdict = await waitHealthy({
    check: check(http),
    inspect: async () => RUNNING,
    probes: scripted([]),
    clock,
  })
  t.strictSame(verdict, {
    healthy: false,
    checks: 5,
    reason: '127.0.0.1:18080/health refused (2 failed checks after the start period)',
  })
})

t.test('a container that exits or restarts fails at once, without waiting', async (t) => {
  const clock = new FakeClock()
  const exited = { ...RUNNING, running: false, state: 'exited' as const, exitCode: 3 }
  t.strictSame(
    await waitHealthy({ check: check(http), inspect: async () => exited, probes: scripted([]), clock }),
    {
      healthy: false,
      checks: 1,
      reason: 'the container exited with code 3 (exited)',
    },
  )
  const restarting = { ...RUNNING, restartCount: 1, state: 'restarting' as const, exitCode: 3 }
  const verdict = await waitHealthy({
    check: check(http),
    inspect: async () => restarting,
    probes: scripted([]),
    clock,
  })
  t.equal(verdict.healthy, false)
  t.equal(
    verdict.healthy === false && verdict.reason,
    'the container keeps exiting (Docker restarted it 1 time(s))',
  )
  t.strictSame(clock.sleeps, [])
})

t.test('without a configured check the container must stay up through the start period', async (t) => {
  const clock = new FakeClock()
  const verdict = await waitHealthy({
    check: check({ kind: 'running' }, { startPeriodMs: 2000 }),
    inspect: async () => RUNNING,
    probes: scripted([]),
    clock,
  })
  t.strictSame(verdict, { healthy: true, checks: 3, detail: 'the container is running' })
})

t.test(
  'docker HEALTHCHECK: starting waits, healthy passes, none and unhealthy fail with the reason',
  async (t) => {
    const states: ContainerInfo['health'][] = ['starting', 'starting', 'healthy']
    const clock = new FakeClock()
    const docker = check({ kind: 'docker' })
    t.strictSame(
      await waitHealthy({
        check: docker,
        inspect: async () => ({ ...RUNNING, health: states.shift() ?? 'healthy' }),
        probes: scripted([]),
        clock,
      }),
      { healthy: true, checks: 3, detail: 'Docker reports the container healthy' },
    )
    const none = await waitHealthy({
      check: docker,
      inspect: async () => RUNNING,
      probes: scripted([]),
      clock,
    })
    t.match(none, { healthy: false, reason: /defines no HEALTHCHECK/ })
    const bad = await waitHealthy({
      check: docker,
      inspect: async () => ({ ...RUNNING, health: 'unhealthy' }),
      probes: scripted([]),
      clock,
    })
    t.match(bad, { healthy: false, reason: 'Docker reports the container unhealthy' })
  },
)

t.test(
  'address: published port on loopback, a bound address as is, else the container address',
  async (t) => {
    t.strictSame(addressOf(RUNNING, 8080), { host: '127.0.0.1', port: 18080 })
    const bound = { ...RUNNING, ports: [{ containerPort: 8080, hostIp: '127.0.0.2', hostPort: 9 }] }
    t.strictSame(addressOf(bound, 8080), { host: '127.0.0.2', port: 9 })
    t.strictSame(addressOf(RUNNING, 9090), { host: '172.17.0.5', port: 9090 })
    const { ipAddress: _ip, ...noIp } = RUNNING
    t.equal(addressOf(noIp, 9090), null)
  },
)

t.test('real probes against a local server', async (t) => {
  const server = createServer((req, res) => {
    res.statusCode = req.url === '/health' ? 200 : 503
    res.end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => server.close())
  const { port } = server.address() as AddressInfo
  t.strictSame(await httpProbe('127.0.0.1', port, '/health', 200, 1000), {
    ok: true,
    detail: `GET http://127.0.0.1:${port}/health answered 200`,
  })
  t.strictSame(await httpProbe('127.0.0.1', port, '/x', 200, 1000), {
    ok: false,
    detail: `GET http://127.0.0.1:${port}/x answered 503 (expected 200)`,
  })
  t.strictSame(await tcpProbe('127.0.0.1', port, 1000), {
    ok: true,
    detail: `TCP 127.0.0.1:${port} accepted a connection`,
  })
  server.close()
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.match(await tcpProbe('127.0.0.1', port, 1000), { ok: false, detail: /ECONNREFUSED/ })
  t.match(await httpProbe('127.0.0.1', port, '/health', 200, 1000), {
    ok: false,
    detail: /failed: ECONNREFUSED/,
  })
})
