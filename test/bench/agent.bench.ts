import { spawn, spawnSync } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import Docker from 'dockerode'
import { startFakeAws } from '../ground/fake-aws/index.js'
import { loadGround } from '../ground/ground.js'

/*
 * The agent against the shell script it replaces (`aws ecr get-login-password | docker login; docker pull;
 * docker stop; docker rm; docker run`), on the same images and registry. Prints medians and ratios; asserts
 * nothing about time. Needs `npm run build` first (npm run bench does it) and root for /etc/hosts and dockerd.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const CLI = join(ROOT, 'dist/agent/cli/main.js')
const RUNS = Number(process.env.BENCH_RUNS ?? 3)
const UNIT = join(ROOT, 'agent/systemd/ecr-deploy-agent.service')
/** Long enough for V8's memory reducer, which runs some seconds after allocation stops, to shrink the heap. */
const SETTLE_MS = Number(process.env.BENCH_SETTLE_MS ?? 12_000)

const node = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8' })

/**
 * Asynchronous, unlike `node`: the fake ECR/IMDS answer from this very process, so a command that needs
 * them must not block its event loop.
 */
function exec(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    child.on('error', reject)
    child.on('close', (status) => resolve({ status, stderr }))
  })
}

// Join (or start) the shared test ground: a lease held by this process, given back at the end.
const up = node(['--import', 'tsx', 'test/ground/setup.ts'])
if (up.status !== 0) throw new Error(`test ground did not come up:\n${up.stderr}`)
const ground = loadGround()
const docker = new Docker({ socketPath: ground.dockerSocket })
const dir = await mkdtemp(join(tmpdir(), 'agent-bench-'))
const aws = await startFakeAws({
  registry: {
    url: ground.registryUrl,
    user: ground.registryUser,
    password: ground.registryPassword,
    ca: ground.caCertPath,
  },
})
const agentId = `bench-${process.pid}`
const scriptName = `bench-script-${process.pid}`
const repository = `${ground.registryHost}/${ground.images.v1.repository}`
const pinned = (name: 'v1' | 'v2') => `${repository}@${ground.images[name].digest}`
// A network of our own: this machine's dockerd may lack its default docker0 bridge.
const networkName = `${agentId}-net`
const network = await docker.createNetwork({ Name: networkName, Driver: 'bridge' })
const agentPort = 18000 + (process.pid % 1000)
const scriptPort = agentPort + 1000

async function main(): Promise<void> {
  await mkdir(join(dir, 'home'))
  const config = join(dir, 'agent.yaml')
  await writeFile(
    config,
    `agentId: ${agentId}\nservices:\n  web:\n    repository: ${repository}\n    ports: ["127.0.0.1:${agentPort}:8080"]\n    network: ${networkName}\n` +
      '    stopTimeout: 2\n    healthCheck:\n      http: { path: /health, port: 8080 }\n      interval: 0.2\n      startPeriod: 1\n',
  )
  const socket = join(dir, 'agent.sock')
  const env = {
    ...aws.env(),
    HOME: join(dir, 'home'),
    ECR_DEPLOY_AGENT_CONFIG: config,
    ECR_DEPLOY_AGENT_STATE_DIR: join(dir, 'state'),
    ECR_DEPLOY_AGENT_CRON_DESIRED_STATE: 'off',
    LOG_LEVEL: 'warn',
  }
  // Started as the systemd unit starts it: same Node options, same environment for the allocator.
  const unitEnv = environmentOf(await readFile(UNIT, 'utf8'))
  const daemon = spawn(process.execPath, [CLI, 'serve', '--socket', socket], {
    env: { PATH: process.env.PATH ?? '', ...unitEnv, ...env },
    stdio: 'ignore',
  })
  try {
    await waitFor(() => node([CLI, '--socket', socket, 'status']).status === 0)
    // Start-up runs reconcile, then the desired-state job; the figure is taken once both are long done.
    await sleep(SETTLE_MS)
    const startRss = await memoryOf(daemon.pid ?? 0)

    const agentDeploy = (image: string) => async () => {
      const args = [CLI, '--socket', socket, 'deploy', '--service', 'web', '--image', image]
      const run = await exec(process.execPath, args, process.env)
      if (run.status !== 0) throw new Error(`agent deploy failed: ${run.stderr}`)
    }
    const scriptDeploy = (image: string) => async () => {
      const run = await exec('bash', ['-c', SCRIPT], {
        ...process.env,
        ...aws.env(),
        AWS_ACCESS_KEY_ID: 'AKIDBENCH',
        AWS_SECRET_ACCESS_KEY: 'x',
        DOCKER_CONFIG: join(dir, 'docker-config'),
        IMAGE: image,
        NAME: scriptName,
        PORT: String(scriptPort),
        HOST: ground.registryHost,
        NETWORK: networkName,
        ENDPOINT: aws.endpoint,
      })
      if (run.status !== 0) throw new Error(`script deploy failed: ${run.stderr}`)
    }

    const agentV1 = agentDeploy(pinned('v1'))
    const scriptV1 = scriptDeploy(pinned('v1'))
    const clean = () => reset(['v1', 'v2'])
    // Each side is prepared on its own so that neither finds an image the other just pulled.
    const scenarios = [
      ['first deploy (v1, image not cached)', 'v1', clean, clean],
      [
        'version deploy (v1 -> v2, v2 not cached)',
        'v2',
        () => clean().then(agentV1),
        () => clean().then(scriptV1),
      ],
      ['no-op re-deploy (v2 again)', 'v2', agentDeploy(pinned('v2')), scriptDeploy(pinned('v2'))],
    ] as const
    const rows: [string, number[], number[]][] = []
    let wrongVersion = 0
    for (const [label, image, agentPrepare, scriptPrepare] of scenarios) {
      const agentTimes: number[] = []
      const scriptTimes: number[] = []
      for (let i = 0; i < RUNS; i += 1) {
        await agentPrepare()
        agentTimes.push(await time(agentDeploy(pinned(image))))
        if ((await served(agentPort)) !== image) wrongVersion += 1
        await scriptPrepare()
        scriptTimes.push(await time(scriptDeploy(pinned(image))))
      }
      rows.push([label, agentTimes, scriptTimes])
    }

    await sleep(SETTLE_MS)
    const deployedRss = await memoryOf(daemon.pid ?? 0)

    const quiet = async (args: string[]) => {
      await exec(process.execPath, args, process.env)
    }
    const baseline = median(await times(10, () => quiet(['-e', '0'])))
    const help = median(await times(10, () => quiet([CLI, '--help'])))
    const status = median(await times(10, () => quiet([CLI, '--socket', socket, 'status'])))

    const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(44) : c.padStart(14))).join('')
    process.stdout.write(
      `runs per figure: ${RUNS} (medians, ms); the script does no health check, the agent waits for /health\n`,
    )
    process.stdout.write(`${line(['scenario', 'agent', 'script', 'agent/script'])}\n`)
    for (const [label, a, s] of rows) {
      process.stdout.write(
        `${line([label, median(a).toFixed(0), median(s).toFixed(0), (median(a) / median(s)).toFixed(2)])}\n`,
      )
    }
    const login = median(
      await times(RUNS, async () => {
        await exec('/usr/bin/aws', ['ecr', 'get-login-password', '--endpoint-url', aws.endpoint], {
          ...process.env,
          ...aws.env(),
          AWS_ACCESS_KEY_ID: 'AKIDBENCH',
          AWS_SECRET_ACCESS_KEY: 'x',
        })
      }),
    )
    process.stdout.write(
      `of the script's time, \`aws ecr get-login-password\` alone takes ${login.toFixed(0)} ms\n`,
    )
    process.stdout.write(
      `"not cached" preparations where the image stayed on disk (held by another container): ${stillCached} of ${forgotten}\n`,
    )
    process.stdout.write(
      `agent deploys after which the service did not serve the new version: ${wrongVersion}\n`,
    )
    const mib = (kib: number) => `${(kib / 1024).toFixed(1)} MiB`
    const memory = (m: Memory) => `${mib(m.rss)} (anonymous ${mib(m.anon)}, file-backed ${mib(m.file)})`
    process.stdout.write(
      `daemon idle RSS, NODE_OPTIONS "${unitEnv.NODE_OPTIONS ?? ''}" as in the unit: ${SETTLE_MS / 1000} s after start ${memory(startRss)}; ${SETTLE_MS / 1000} s after the last deploy ${memory(deployedRss)}\n`,
    )
    process.stdout.write(
      `CLI start-up: --help ${help.toFixed(0)} ms, status ${status.toFixed(0)} ms (bare node -e 0: ${baseline.toFixed(0)} ms)\n`,
    )
  } finally {
    daemon.kill('SIGTERM')
  }
}

/** The deploy script this project replaces, as it is commonly written. */
const SCRIPT = `set -euo pipefail
/usr/bin/aws ecr get-login-password --endpoint-url "$ENDPOINT" | /usr/bin/docker login -u AWS --password-stdin "$HOST" >/dev/null 2>&1
/usr/bin/docker pull -q "$IMAGE" >/dev/null
/usr/bin/docker stop "$NAME" >/dev/null 2>&1 || true
/usr/bin/docker rm "$NAME" >/dev/null 2>&1 || true
/usr/bin/docker run -d --name "$NAME" --network "$NETWORK" -p "127.0.0.1:$PORT:8080" "$IMAGE" >/dev/null
`

/** Removes the bench's containers and the test images, so the next deploy has to pull. */
async function reset(names: ('v1' | 'v2')[]): Promise<void> {
  const containers = await docker.listContainers({ all: true })
  for (const c of containers) {
    if (c.Labels['ecr-deploy.agent'] === agentId || c.Names.includes(`/${scriptName}`)) {
      await docker.getContainer(c.Id).remove({ force: true })
    }
  }
  await forget(names)
}

/** Deploys that started with the image still on disk (another test's container held it): reported. */
let stillCached = 0
let forgotten = 0

/** Untags every reference to these images, so that the next deploy has to pull. */
async function forget(names: ('v1' | 'v2')[]): Promise<void> {
  for (const name of names) {
    for (const ref of [ground.images[name].uri, pinned(name)]) {
      await docker
        .getImage(ref)
        .remove()
        .catch(() => undefined)
    }
    const left = await docker
      .getImage(pinned(name))
      .inspect()
      .catch(() => undefined)
    forgotten += 1
    if (left !== undefined) stillCached += 1
  }
}

async function time(run: () => Promise<void>): Promise<number> {
  const start = performance.now()
  await run()
  return performance.now() - start
}

async function times(count: number, run: () => Promise<void>): Promise<number[]> {
  const results: number[] = []
  for (let i = 0; i < count; i += 1) results.push(await time(run))
  return results
}

async function served(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined)
  return res ? (await res.text()).trim() : 'nothing'
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}

/** The unit's `Environment=` assignments (`KEY=value` or `"KEY=value with spaces"`). */
function environmentOf(unit: string): Record<string, string> {
  const env: Record<string, string> = {}
  for (const line of unit.split('\n')) {
    const match = /^Environment=(?:"([^"]*)"|(\S*))\s*$/.exec(line.trim())
    const assignment = match?.[1] ?? match?.[2]
    const eq = assignment?.indexOf('=') ?? -1
    if (assignment !== undefined && eq > 0) env[assignment.slice(0, eq)] = assignment.slice(eq + 1)
  }
  return env
}

interface Memory {
  readonly rss: number
  /** Heap, stacks, malloc: what the process really costs. */
  readonly anon: number
  /** Pages of the node binary and libraries: clean, shared with other node processes, reclaimable. */
  readonly file: number
}

/** From /proc/<pid>/status, in KiB. */
async function memoryOf(pid: number): Promise<Memory> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0)
  return { rss: kib('VmRSS'), anon: kib('RssAnon'), file: kib('RssFile') }
}

async function waitFor(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 30_000
  while (!check()) {
    if (Date.now() > deadline) throw new Error('the agent daemon did not answer within 30 s')
    await sleep(200)
  }
}

try {
  await main()
} finally {
  await reset([]).catch(() => undefined)
  await network.remove().catch(() => undefined)
  await aws.close()
  await rm(dir, { recursive: true, force: true })
  node(['--import', 'tsx', 'test/ground/teardown.ts'])
}
