import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { pino } from 'pino'
import { managedLabels } from '../../agent/deploy/container-labels.ts'
import { createDeployer } from '../../agent/deploy/create-deployer.ts'
import { DockerodeEngine } from '../../agent/docker/dockerode-engine.ts'
import { EcrRegistryAuth } from '../../agent/ecr/ecr-registry-auth.ts'
import { systemClock } from '../../agent/health/clock.ts'
import { ProxyClient } from '../../agent/proxy/proxy-client.ts'
import { FileStateStore } from '../../agent/state/file-state-store.ts'
import { parseConfig } from '../../shared/agent-config/parse.ts'
import { loadGround } from '../ground/ground.ts'
import { ownNetwork } from '../support/blue-green-harness.ts'
import { FakeParameters, removeAgentContainers } from '../support/deploy-harness.ts'
import { freePort } from '../support/free-port.ts'
import { startFakeOnGround } from '../support/ground-aws.ts'
import { type LoadResult, startLoad } from '../support/http-load.ts'
import { startProxy } from '../support/proxy-process.ts'

/*
 * Zero-downtime deploys, measured: a steady load of concurrent HTTP clients (a new connection per request,
 * 127.0.0.1 only) on a service's public port while it is deployed N times in a row, alternating v1 and v2,
 * once with `recreate` and once with `blue-green`; then the proxy's cost, through the proxy against
 * straight to the container's published port. Prints figures; asserts nothing about time.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const DEPLOYS = Number(process.env.BENCH_DEPLOYS ?? 20)
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8)
const OVERHEAD_MS = Number(process.env.BENCH_OVERHEAD_MS ?? 4000)

const up = spawnSync(process.execPath, ['--import', 'tsx', 'test/ground/setup.ts'], {
  cwd: ROOT,
  encoding: 'utf8',
})
if (up.status !== 0) throw new Error(`test ground did not come up:\n${up.stderr}`)
const ground = loadGround()
const aws = await startFakeOnGround(ground)
const dir = await mkdtemp(join(tmpdir(), 'blue-green-bench-'))
for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) {
  delete process.env[name]
}
Object.assign(process.env, aws.env(), { HOME: dir })
const docker = new DockerodeEngine()
const agentId = `bench${process.pid}`
const network = await ownNetwork(`${agentId}-net`)
// The built proxy, as systemd runs it (npm run bench builds first).
const proxy = await startProxy(join(dir, 'proxy.sock'), join(dir, 'routes.json'))
const traffic = new ProxyClient(join(dir, 'proxy.sock'))

function deployerFor(strategy: 'recreate' | 'blue-green', port: number) {
  const config = parseConfig(
    `agentId: ${agentId}
services:
  ${strategy}:
    repository: ${ground.registryHost}/ecr-ssm-deploy/app
    strategy: ${strategy}
    drainTimeout: 10
    ports: ["127.0.0.1:${port}:8080"]
    network: ${agentId}-net
    stopTimeout: 3
    healthCheck: { http: { path: /health, port: 8080 }, interval: 0.2, timeout: 1, startPeriod: 1, retries: 3 }
`,
    '/etc/ecr-deploy/agent.yaml',
    'bench',
  )
  return createDeployer({
    config: () => config,
    docker,
    registryAuth: new EcrRegistryAuth(),
    parameters: new FakeParameters(),
    state: new FileStateStore(join(dir, `state-${strategy}`)),
    clock: systemClock,
    logger: pino({ level: 'silent' }),
    traffic,
  })
}

interface DeployRun {
  readonly strategy: string
  readonly load: LoadResult
  readonly deployMs: number[]
  /** [start, end] of each deploy, on the performance.now() clock the load uses. */
  readonly windows: Array<[number, number]>
}

async function deployUnderLoad(strategy: 'recreate' | 'blue-green'): Promise<DeployRun> {
  const port = await freePort()
  const deployer = deployerFor(strategy, port)
  await deployer.deploy({ service: strategy, image: ground.images.v1.uri })
  await deployer.deploy({ service: strategy, image: ground.images.v2.uri })
  const load = startLoad(port, CLIENTS)
  await load.successes(100)
  const deployMs: number[] = []
  const windows: Array<[number, number]> = []
  for (let i = 0; i < DEPLOYS; i += 1) {
    const started = performance.now()
    await deployer.deploy({ service: strategy, image: ground.images[i % 2 === 0 ? 'v1' : 'v2'].uri })
    windows.push([started, performance.now()])
    deployMs.push(performance.now() - started)
  }
  await load.successes(100)
  return { strategy, load: await load.stop(), deployMs, windows }
}

interface PathFigures {
  p50: number
  p99: number
  perSecond: number
  /** CPU time per answered request: the whole machine's, and the proxy process's. */
  machineUs: number
  proxyUs: number
}

async function measure(host: string, port: number): Promise<PathFigures> {
  const machineBefore = machineBusyTicks()
  const proxyBefore = processTicks(proxy.child.pid)
  const load = startLoad(port, CLIENTS, 1_000_000, host)
  await sleep(OVERHEAD_MS)
  const result = await load.stop()
  const perRequestUs = (ticks: number) => (ticks * 10_000) / Math.max(1, result.ok)
  const sorted = [...result.latenciesMs].sort((a, b) => a - b)
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN
  return {
    p50: at(0.5),
    p99: at(0.99),
    perSecond: (result.ok / OVERHEAD_MS) * 1000,
    machineUs: perRequestUs(machineBusyTicks() - machineBefore),
    proxyUs: perRequestUs(processTicks(proxy.child.pid) - proxyBefore),
  }
}

/** Busy jiffies (10 ms each) of all CPUs since boot: user, nice, system, irq, softirq, steal. */
function machineBusyTicks(): number {
  const fields =
    readFileSync('/proc/stat', 'utf8').split('\n')[0]?.trim().split(/\s+/).slice(1).map(Number) ?? []
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields
  return user + nice + system + irq + softirq + steal
}

/** User and system jiffies of one process. */
function processTicks(pid: number | undefined): number {
  if (pid === undefined) return 0
  // The command name in field 2 may hold spaces; the fields after its closing parenthesis do not.
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
  return Number(fields[11]) + Number(fields[12])
}

async function main(): Promise<void> {
  console.log(
    `${DEPLOYS} deploys alternating v1/v2 under ${CLIENTS} concurrent clients (new connection per request)`,
  )
  const runs = [await deployUnderLoad('recreate'), await deployUnderLoad('blue-green')]
  console.log('strategy    requests ok  failed  longest gap  deploy median  errors')
  for (const { strategy, load, deployMs } of runs) {
    const median = [...deployMs].sort((a, b) => a - b)[Math.floor(deployMs.length / 2)] ?? 0
    console.log(
      `${strategy.padEnd(10)}  ${String(load.ok).padStart(11)}  ${String(load.failed).padStart(6)}  ${`${load.longestGapMs.toFixed(0)} ms`.padStart(11)}  ${`${(median / 1000).toFixed(2)} s`.padStart(13)}  ${JSON.stringify(load.errors)}`,
    )
  }

  // Where blue-green failures fell, if any: inside a deploy (and how far into it) or between deploys.
  const blueGreen = runs[1]
  for (const failure of blueGreen?.load.failures ?? []) {
    const index =
      blueGreen?.windows.findIndex(([from, to]) => failure.atMs >= from && failure.atMs <= to) ?? -1
    const where =
      index < 0
        ? 'between deploys'
        : `${(failure.atMs - (blueGreen?.windows[index]?.[0] ?? 0)).toFixed(0)} ms into deploy ${index + 1}`
    console.log(`blue-green failure: ${failure.error}, started ${where}`)
  }

  const { routes } = await traffic.status()
  const route = routes.find((r) => r.name === 'blue-green/8080')
  if (!route) throw new Error('no blue-green route')
  // The container behind the route, for the port Docker published on loopback (its userland forwarder).
  const [serving] = await docker.listContainers(managedLabels(agentId, 'blue-green'))
  const published = (serving ? await docker.inspect(serving.id) : null)?.ports.find(
    (p) => p.containerPort === 8080,
  )
  if (!published) throw new Error('the serving container publishes no port')
  const direct: PathFigures[] = []
  const viaDocker: PathFigures[] = []
  const proxied: PathFigures[] = []
  for (let round = 0; round < 2; round += 1) {
    // Direct: the container's own address and port, which is the proxy's upstream.
    direct.push(await measure(route.upstream.host, route.upstream.port))
    viaDocker.push(await measure('127.0.0.1', published.hostPort))
    proxied.push(await measure('127.0.0.1', route.listen.port))
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
  const sum = (list: PathFigures[]): PathFigures => ({
    p50: mean(list.map((m) => m.p50)),
    p99: mean(list.map((m) => m.p99)),
    perSecond: mean(list.map((m) => m.perSecond)),
    machineUs: mean(list.map((m) => m.machineUs)),
    proxyUs: mean(list.map((m) => m.proxyUs)),
  })
  const d = sum(direct)
  const v = sum(viaDocker)
  const p = sum(proxied)
  console.log(`\nproxy overhead (${CLIENTS} clients, 2 rounds of ${OVERHEAD_MS / 1000} s each way)`)
  console.log('path      p50 ms  p99 ms  requests/s  machine CPU/request  proxy CPU/request')
  for (const [name, m] of [
    ['direct', d],
    ['docker', v],
    ['proxy', p],
  ] as const) {
    console.log(
      `${name.padEnd(8)}  ${m.p50.toFixed(2).padStart(6)}  ${m.p99.toFixed(2).padStart(6)}  ${m.perSecond.toFixed(0).padStart(10)}  ${`${m.machineUs.toFixed(0)} us`.padStart(19)}  ${`${m.proxyUs.toFixed(0)} us`.padStart(17)}`,
    )
  }
  console.log(
    `ratios proxy/direct (container address): p50 ${(p.p50 / d.p50).toFixed(2)}x (target <= 1.3), p99 ${(p.p99 / d.p99).toFixed(2)}x, throughput ${(p.perSecond / d.perSecond).toFixed(2)}x (target >= 0.7)`,
  )
  console.log(
    `ratios proxy/docker (the port Docker publishes, what recreate serves on): p50 ${(p.p50 / v.p50).toFixed(2)}x, p99 ${(p.p99 / v.p99).toFixed(2)}x, throughput ${(p.perSecond / v.perSecond).toFixed(2)}x`,
  )
  // Where the throughput goes: when the direct path already keeps every CPU busy, each microsecond the
  // proxy's hop costs comes out of the load generator's and the app's share.
  console.log(
    `CPU: direct keeps ${((d.machineUs * d.perSecond) / 1e6).toFixed(1)} of ${availableParallelism()} CPUs busy; the proxy's hop adds ${(p.machineUs - d.machineUs).toFixed(0)} us of machine CPU per request, ${p.proxyUs.toFixed(0)} us of it in the proxy process`,
  )
}

try {
  await main()
} finally {
  await removeAgentContainers(docker, agentId).catch(() => undefined)
  await network.remove()
  await proxy.stop()
  await aws.close()
  await rm(dir, { recursive: true, force: true })
  spawnSync(process.execPath, ['--import', 'tsx', 'test/ground/teardown.ts'], { cwd: ROOT })
}
