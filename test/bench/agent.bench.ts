import { spawnSync } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import Docker from 'dockerode'
import { loadGround, type TestImageName } from '../ground/ground.ts'
import { agentExecutable } from '../support/agent-executable.ts'
import { startFakeOnGround } from '../support/ground-aws.ts'
import { ecrPassword } from './agent/blog-flow.ts'
import { environmentOf, type Memory, median, memoryOf, mib, tableLine, time } from './agent/figures.ts'
import {
  type AgentCommand,
  type AgentSide,
  blogSide,
  exec,
  type Side,
  startAgentSide,
} from './agent/sides.ts'
import { makeUncached } from './agent/uncached.ts'

/*
 * The agent as it ships (one executable) against `node dist/...`, and both against the blog post's flow
 * they replace, on the same images, registry and engine. Each figure is taken side by side in one run,
 * the sides alternating. Prints medians and ratios; asserts nothing about time. Needs root for
 * /etc/hosts and dockerd; `npm run bench` builds dist/ and the executable first.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const NODE_CLI: AgentCommand = { command: process.execPath, prefix: [join(ROOT, 'dist/agent/cli/main.js')] }
const EXE_CLI: AgentCommand = { command: agentExecutable(), prefix: [] }
const RUNS = Number(process.env.BENCH_RUNS ?? 3)
const STARTS = Number(process.env.BENCH_STARTS ?? 15)
/** Long enough for V8's memory reducer, which runs some seconds after allocation stops, to shrink the heap. */
const SETTLE_MS = Number(process.env.BENCH_SETTLE_MS ?? 12_000)
const UNIT = join(ROOT, 'agent/systemd/ecr-deploy-agent.service')

const node = (args: string[]) => spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' })

// Join (or start) the shared test ground: a lease held by this process, given back at the end.
const up = node(['--import', 'tsx', 'test/ground/setup.ts'])
if (up.status !== 0) throw new Error(`test ground did not come up:\n${up.stderr}`)
const ground = loadGround()
const docker = new Docker({ socketPath: ground.dockerSocket })
const dir = await mkdtemp(join(tmpdir(), 'agent-bench-'))
const aws = await startFakeOnGround(ground)
const run = `bench-${process.pid}`
const blogName = `${run}-blog`
const repository = `${ground.registryHost}/${ground.images.v1.repository}`
const pinned = (name: TestImageName) => `${repository}@${ground.images[name].digest}`
// A network of our own: this machine's dockerd may lack its default docker0 bridge.
const networkName = `${run}-net`
const network = await docker.createNetwork({ Name: networkName, Driver: 'bridge' })
const basePort = 18000 + (process.pid % 1000)
const agents: AgentSide[] = []

async function main(): Promise<void> {
  // Both daemons as the systemd unit starts them: same Node options, same allocator settings.
  const unitEnv = environmentOf(await readFile(UNIT, 'utf8'))
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    ...unitEnv,
    ...aws.env(),
    ECR_DEPLOY_AGENT_CRON_DESIRED_STATE: 'off',
    LOG_LEVEL: 'warn',
  }
  const common = { repository, network: networkName, env }
  const exe = await startAgentSide({
    ...common,
    label: 'executable',
    cli: EXE_CLI,
    dir: join(dir, 'exe'),
    agentId: `${run}-exe`,
    port: basePort,
  })
  agents.push(exe)
  const dist = await startAgentSide({
    ...common,
    label: 'node dist',
    cli: NODE_CLI,
    dir: join(dir, 'dist'),
    agentId: `${run}-dist`,
    port: basePort + 1000,
  })
  agents.push(dist)
  const blog = blogSide({
    name: blogName,
    port: basePort + 2000,
    network: networkName,
    registryHost: ground.registryHost,
    token: await ecrPassword(aws.endpoint, ground.region),
    dockerConfig: join(dir, 'docker-config'),
    dockerHost: `unix://${ground.dockerSocket}`,
  })
  const sides: Side[] = [exe, dist, blog]

  // Start-up runs reconcile; the figure is taken once it is long done.
  await sleep(SETTLE_MS)
  const idle = await Promise.all(agents.map((a) => memoryOf(a.daemon.pid ?? 0)))

  let wrongVersion = 0
  let cachedDropped = 0
  const scenarios = [
    {
      label: 'version deploy (v1 -> v2, v2 not cached)',
      prepare: async (side: Side) => {
        await removeContainers()
        await side.deploy(pinned('v1'))
        return makeUncached(docker, [pinned('v2'), ground.images.v2.uri])
      },
    },
    {
      label: 'no-op re-deploy (v2 again)',
      prepare: (side: Side) => side.deploy(pinned('v2')).then(() => true),
    },
    {
      label: 'PID 1 ignores SIGTERM (noterm -> v2)',
      prepare: (side: Side) => side.deploy(pinned('noterm')).then(() => true),
    },
  ]
  const rows: { label: string; times: number[][] }[] = []
  for (const scenario of scenarios) {
    const times: number[][] = sides.map(() => [])
    for (let i = 0; i < RUNS; i += 1) {
      // A B C, then B C A, ...: no side always goes first after the same neighbour.
      for (let k = 0; k < sides.length; k += 1) {
        const index = (i + k) % sides.length
        const side = sides[index] as Side
        if (!(await scenario.prepare(side))) {
          cachedDropped += 1
          continue
        }
        times[index]?.push(await time(() => side.deploy(pinned('v2'))))
        if ((await served(side.port)) !== 'v2') wrongVersion += 1
      }
    }
    rows.push({ label: scenario.label, times })
  }

  await sleep(SETTLE_MS)
  const deployed = await Promise.all(agents.map((a) => memoryOf(a.daemon.pid ?? 0)))

  // CLI start-up against the same running daemon, the two commands alternating.
  const quiet = async (cli: AgentCommand, args: string[]) => {
    await exec(cli.command, [...cli.prefix, ...args], process.env)
  }
  const starts = {
    exeStatus: [] as number[],
    distStatus: [] as number[],
    exeHelp: [] as number[],
    distHelp: [] as number[],
  }
  const bare: number[] = []
  const pair = async (exeRun: () => Promise<number>, distRun: () => Promise<number>, exeFirst: boolean) => {
    const [first, second] = exeFirst ? [exeRun, distRun] : [distRun, exeRun]
    const a = await first()
    const b = await second()
    return exeFirst ? [a, b] : [b, a]
  }
  for (let i = 0; i < STARTS; i += 1) {
    // A B, then B A: neither command always runs first, on a warmer page cache.
    const exeFirst = i % 2 === 0
    const [es, ds] = await pair(
      () => time(() => quiet(EXE_CLI, ['--socket', exe.socket, 'status'])),
      () => time(() => quiet(NODE_CLI, ['--socket', exe.socket, 'status'])),
      exeFirst,
    )
    const [eh, dh] = await pair(
      () => time(() => quiet(EXE_CLI, ['--help'])),
      () => time(() => quiet(NODE_CLI, ['--help'])),
      exeFirst,
    )
    starts.exeStatus.push(es ?? 0)
    starts.distStatus.push(ds ?? 0)
    starts.exeHelp.push(eh ?? 0)
    starts.distHelp.push(dh ?? 0)
    bare.push(await time(() => quiet({ command: process.execPath, prefix: [] }, ['-e', '0'])))
  }

  const out = (text: string) => process.stdout.write(`${text}\n`)
  out(
    `deploys: ${RUNS} runs per figure, medians in ms; the blog flow does no health check, the agent waits for /health`,
  )
  out(tableLine(['scenario', 'executable', 'node dist', 'blog flow', 'exe/blog', 'exe/dist']))
  const ratios: number[] = []
  for (const { label, times } of rows) {
    const [e, d, b] = times.map(median) as [number, number, number]
    ratios.push(e / b)
    out(tableLine([label, e.toFixed(0), d.toFixed(0), b.toFixed(0), (e / b).toFixed(2), (e / d).toFixed(2)]))
  }
  out(`"not cached" runs dropped because another test held the image: ${cachedDropped}`)
  out(`deploys after which the service did not serve v2: ${wrongVersion}`)
  out('')
  const memoryRow = (label: string, m: Memory) => tableLine([label, mib(m.rss), mib(m.anon), mib(m.file)])
  out(
    `daemon memory in MiB, started as the unit starts it (NODE_OPTIONS "${unitEnv.NODE_OPTIONS ?? ''}", MALLOC_ARENA_MAX ${unitEnv.MALLOC_ARENA_MAX ?? '-'}), ${SETTLE_MS / 1000} s idle`,
  )
  out(tableLine(['daemon', 'RSS', 'RssAnon', 'RssFile']))
  agents.forEach((a, i) => {
    out(memoryRow(`${a.label}, after start`, idle[i] as Memory))
    out(memoryRow(`${a.label}, after the deploys`, deployed[i] as Memory))
  })
  out('')
  const [es, ds, eh, dh] = [starts.exeStatus, starts.distStatus, starts.exeHelp, starts.distHelp].map(
    median,
  ) as [number, number, number, number]
  out(
    `CLI start-up, ${STARTS} runs each, alternating, medians in ms (bare node -e 0: ${median(bare).toFixed(0)})`,
  )
  out(tableLine(['command', 'executable', 'node dist', 'exe/dist']))
  out(tableLine(['status (against a running daemon)', es.toFixed(0), ds.toFixed(0), (es / ds).toFixed(2)]))
  out(tableLine(['--help', eh.toFixed(0), dh.toFixed(0), (eh / dh).toFixed(2)]))
  out('')
  const verdict = (name: string, value: number, target: number, unit: string) =>
    out(
      `${value <= target ? 'met   ' : 'MISSED'} ${name}: ${value.toFixed(2)}${unit} (target at most ${target}${unit})`,
    )
  verdict('status start-up, executable/node dist', es / ds, 0.7, 'x')
  verdict('executable daemon anonymous memory after the deploys', (deployed[0]?.anon ?? 0) / 1024, 35, ' MiB')
  verdict('version deploy, executable/blog flow', ratios[0] ?? 0, 0.75, 'x')
  verdict('no-op, executable/blog flow', ratios[1] ?? 0, 0.15, 'x')
  verdict('PID 1 ignoring SIGTERM, executable/blog flow', ratios[2] ?? 0, 0.1, 'x')
}

/** The bench's containers: both agents' and the blog flow's. */
async function removeContainers(): Promise<void> {
  const ids = new Set(agents.map((a) => a.agentId))
  const containers = await docker.listContainers({ all: true })
  for (const c of containers) {
    if (ids.has(c.Labels['ecr-deploy.agent'] ?? '') || c.Names.includes(`/${blogName}`)) {
      await docker.getContainer(c.Id).remove({ force: true })
    }
  }
}

async function served(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined)
  return res ? (await res.text()).trim() : 'nothing'
}

try {
  await main()
} finally {
  for (const agent of agents) agent.stop()
  await removeContainers().catch(() => undefined)
  await network.remove().catch(() => undefined)
  await aws.close()
  await rm(dir, { recursive: true, force: true })
  node(['--import', 'tsx', 'test/ground/teardown.ts'])
}
