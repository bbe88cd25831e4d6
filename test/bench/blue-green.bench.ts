import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { pino } from 'pino'
import { createDeployer } from '../../agent/deploy/create-deployer.ts'
import { DockerodeEngine } from '../../agent/docker/dockerode-engine.ts'
import { EcrRegistryAuth } from '../../agent/ecr/ecr-registry-auth.ts'
import { systemClock } from '../../agent/health/clock.ts'
import { ProxyClient } from '../../agent/proxy/proxy-client.ts'
import { ParameterStore } from '../../agent/ssm/parameter-store.ts'
import { FileStateStore } from '../../agent/state/file-state-store.ts'
import { parseConfig } from '../../shared/agent-config/parse.ts'
import { loadGround } from '../ground/ground.ts'
import { ownNetwork } from '../support/blue-green-harness.ts'
import { removeAgentContainers } from '../support/deploy-harness.ts'
import { freePort } from '../support/free-port.ts'
import { startFakeOnGround } from '../support/ground-aws.ts'
import { type LoadResult, startLoad } from '../support/http-load.ts'
import { startProxy } from '../support/proxy-process.ts'
import { median } from './agent/figures.ts'
import { createOutsideClient } from './blue-green/outside-client.ts'

/*
 * Zero-downtime deploys, measured: a steady load of concurrent HTTP clients (a new connection per request)
 * on a service's public port while it is deployed N times in a row, alternating v1 and v2, with `recreate`
 * and with `blue-green`, the two taking turns over several runs. Then the proxy's cost, from a client
 * outside the host (a network namespace on a veth pair, see outside-client.ts) so that every path is the
 * one a real client takes: the container's address, the port recreate publishes (iptables DNAT), and the
 * proxy. The services publish on the host's end of that pair only. Prints medians; asserts nothing about time.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const DEPLOYS = Number(process.env.BENCH_DEPLOYS ?? 20)
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8)
const OVERHEAD_MS = Number(process.env.BENCH_OVERHEAD_MS ?? 4000)
/** Runs of each strategy under load, in turns; rounds of the three paths, in rotating order. */
const RUNS = Number(process.env.BENCH_RUNS ?? 2)
const PATH_ROUNDS = Number(process.env.BENCH_PATH_ROUNDS ?? 3)
type Strategy = 'recreate' | 'blue-green'

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
const outside = createOutsideClient(process.pid)
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    outside.remove()
    process.exit(130)
  })
}
const ports: Record<Strategy, number> = { recreate: await freePort(), 'blue-green': await freePort() }

function deployerFor(strategy: Strategy, port: number) {
  const config = parseConfig(
    `agentId: ${agentId}
services:
  ${strategy}:
    repository: ${ground.registryHost}/ecr-ssm-deploy/app
    strategy: ${strategy}
    drainTimeout: 10
    ports: ["${outside.hostAddress}:${port}:8080"]
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
    parameters: new ParameterStore(),
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

const deployers = {
  recreate: deployerFor('recreate', ports.recreate),
  'blue-green': deployerFor('blue-green', ports['blue-green']),
}

async function deployUnderLoad(strategy: Strategy): Promise<DeployRun> {
  const deployer = deployers[strategy]
  await deployer.deploy({ service: strategy, image: ground.images.v1.uri })
  await deployer.deploy({ service: strategy, image: ground.images.v2.uri })
  const load = startLoad(ports[strategy], CLIENTS, 1_000_000, outside.hostAddress)
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

/** One path from outside the host: latency, throughput, and CPU per answered request. */
async function measure(host: string, port: number): Promise<PathFigures> {
  const sample = () => ({ machine: machineBusyTicks(), proxy: processTicks(proxy.child.pid) })
  const { result, before, after } = await outside.load(host, port, CLIENTS, OVERHEAD_MS, sample)
  if (result.failed > 0)
    console.log(`${host}:${port}: ${result.failed} failed ${JSON.stringify(result.errors)}`)
  const perRequestUs = (ticks: number) => (ticks * 10_000) / Math.max(1, result.ok)
  const sorted = [...result.latenciesMs].sort((a, b) => a - b)
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN
  return {
    p50: at(0.5),
    p99: at(0.99),
    perSecond: (result.ok / OVERHEAD_MS) * 1000,
    machineUs: perRequestUs(after.machine - before.machine),
    proxyUs: perRequestUs(after.proxy - before.proxy),
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
    `${DEPLOYS} deploys alternating v1/v2 under ${CLIENTS} concurrent clients (new connection per request), ${RUNS} runs per strategy taking turns, medians`,
  )
  const runs: Record<Strategy, DeployRun[]> = { recreate: [], 'blue-green': [] }
  for (let i = 0; i < RUNS; i += 1) {
    for (const strategy of ['recreate', 'blue-green'] as const)
      runs[strategy].push(await deployUnderLoad(strategy))
  }
  console.log('strategy    requests ok  failed  longest gap  deploy median  errors (all runs)')
  for (const [strategy, list] of Object.entries(runs)) {
    const errors: Record<string, number> = {}
    for (const run of list)
      for (const [k, n] of Object.entries(run.load.errors)) errors[k] = (errors[k] ?? 0) + n
    const ok = median(list.map((r) => r.load.ok))
    const failed = median(list.map((r) => r.load.failed))
    const gap = median(list.map((r) => r.load.longestGapMs))
    const deploy = median(list.flatMap((r) => r.deployMs))
    console.log(
      `${strategy.padEnd(10)}  ${ok.toFixed(0).padStart(11)}  ${failed.toFixed(0).padStart(6)}  ${`${gap.toFixed(0)} ms`.padStart(11)}  ${`${(deploy / 1000).toFixed(2)} s`.padStart(13)}  ${JSON.stringify(errors)}`,
    )
  }

  // Where blue-green failures fell, if any: inside a deploy (and how far into it) or between deploys.
  for (const blueGreen of runs['blue-green']) {
    for (const failure of blueGreen.load.failures) {
      const index = blueGreen.windows.findIndex(([from, to]) => failure.atMs >= from && failure.atMs <= to)
      const where =
        index < 0
          ? 'between deploys'
          : `${(failure.atMs - (blueGreen.windows[index]?.[0] ?? 0)).toFixed(0)} ms into deploy ${index + 1}`
      console.log(`blue-green failure: ${failure.error}, started ${where}`)
    }
  }

  const { routes } = await traffic.status()
  const route = routes.find((r) => r.name === 'blue-green/8080')
  if (!route) throw new Error('no blue-green route')
  const paths = [
    // The container's own address and port, the proxy's upstream, routed through the host.
    { name: 'direct', host: route.upstream.host, port: route.upstream.port },
    // The port the recreate release publishes on the host's address: iptables DNAT to its container.
    { name: 'published', host: outside.hostAddress, port: ports.recreate },
    { name: 'proxy', host: route.listen.host, port: route.listen.port },
  ]
  const figures = new Map<string, PathFigures[]>(paths.map((path) => [path.name, []]))
  for (let round = 0; round < PATH_ROUNDS; round += 1) {
    // A B C, then B C A, ...: each path goes first once and after each neighbour.
    for (let k = 0; k < paths.length; k += 1) {
      const path = paths[(round + k) % paths.length]
      if (path) figures.get(path.name)?.push(await measure(path.host, path.port))
    }
  }
  const medianOf = (name: string): PathFigures => {
    const list = figures.get(name) ?? []
    const of = (key: keyof PathFigures) => median(list.map((m) => m[key]))
    return {
      p50: of('p50'),
      p99: of('p99'),
      perSecond: of('perSecond'),
      machineUs: of('machineUs'),
      proxyUs: of('proxyUs'),
    }
  }
  const [d, v, p] = ['direct', 'published', 'proxy'].map(medianOf) as [PathFigures, PathFigures, PathFigures]
  console.log(
    `\nproxy overhead from outside the host (${CLIENTS} clients, ${PATH_ROUNDS} rounds of ${OVERHEAD_MS / 1000} s per path, rotating order, medians)`,
  )
  console.log('path       p50 ms  p99 ms  requests/s  machine CPU/request  proxy CPU/request')
  for (const [name, m] of [
    ['direct', d],
    ['published', v],
    ['proxy', p],
  ] as const) {
    console.log(
      `${name.padEnd(9)}  ${m.p50.toFixed(2).padStart(6)}  ${m.p99.toFixed(2).padStart(6)}  ${m.perSecond.toFixed(0).padStart(10)}  ${`${m.machineUs.toFixed(0)} us`.padStart(19)}  ${`${m.proxyUs.toFixed(0)} us`.padStart(17)}`,
    )
  }
  console.log(
    `ratios proxy/direct (container address): p50 ${(p.p50 / d.p50).toFixed(2)}x (target <= 1.3), p99 ${(p.p99 / d.p99).toFixed(2)}x, throughput ${(p.perSecond / d.perSecond).toFixed(2)}x (target >= 0.7)`,
  )
  console.log(
    `ratios proxy/published (the port recreate serves on, kernel DNAT): p50 ${(p.p50 / v.p50).toFixed(2)}x, p99 ${(p.p99 / v.p99).toFixed(2)}x, throughput ${(p.perSecond / v.perSecond).toFixed(2)}x`,
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
  outside.remove()
  await aws.close()
  await rm(dir, { recursive: true, force: true })
  spawnSync(process.execPath, ['--import', 'tsx', 'test/ground/teardown.ts'], { cwd: ROOT })
}
