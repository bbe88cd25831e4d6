import { spawnSync } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FakeAws } from '../ground/fake-aws/index.ts'
import { loadGround } from '../ground/ground.ts'
import { startFakeOnGround } from '../support/ground-aws.ts'
import { runController } from '../support/run-controller.ts'
import { type SimFleet, served, startSimFleet } from '../support/sim-fleet.ts'
import { type ProbeCounts, probe } from './prober.ts'

/*
 * `npm run demo`: the whole tool on one machine, narrated. The test ground gives a real Docker engine and an
 * ECR-shaped registry; a fake AWS gives SSM, ECR, IMDS and STS on 127.0.0.1; simulated instances each run
 * the shipped agent (and, for blue-green, its proxy) with the defaults an installed agent has. Everything
 * it starts is stopped at the end.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const say = (text: string) => process.stdout.write(`\n\x1b[1m== ${text}\x1b[0m\n`)
const note = (text: string) => process.stdout.write(`  ${text}\n`)

function ground(script: 'setup' | 'teardown'): void {
  const run = spawnSync(process.execPath, ['--import', 'tsx', `test/ground/${script}.ts`], {
    cwd: ROOT,
    stdio: 'inherit',
  })
  if (run.status !== 0) throw new Error(`test ground ${script} failed (exit ${run.status})`)
}

const g = loadGroundAfterSetup()
const home = await mkdtemp(join(tmpdir(), 'ecr-ssm-deploy-demo-'))
const started: { aws: FakeAws; fleet?: SimFleet }[] = []
const startedAt = Date.now()
const targets = [
  '--environment',
  'prod',
  '--service',
  'web',
  '--targets',
  'tag:Role=web',
  '--timeout',
  '300',
  '--max-concurrency',
  '1',
]
// The old release keeps its connections this long after the switch; the default (30 s) suits real traffic.
const drain = ['    drainTimeout: 2']

function loadGroundAfterSetup() {
  say('Starting the test ground: dockerd, a TLS registry under an ECR host name, the test images')
  ground('setup')
  return loadGround()
}

async function fleetOf(
  strategy: 'blue-green' | 'recreate',
  letter: string,
): Promise<{ aws: FakeAws; fleet: SimFleet }> {
  // One fake AWS account per fleet, so that each has its own Parameter Store.
  const entry: { aws: FakeAws; fleet?: SimFleet } = { aws: await startFakeOnGround(g) }
  started.push(entry)
  const specs = ['a', 'b', 'c'].map((name) => ({
    id: `i-0demo0000000${letter}${name}`.padEnd(19, '0'),
    name,
    serviceLines: strategy === 'blue-green' ? drain : [],
  }))
  entry.fleet = await startSimFleet(entry.aws, g, specs, { strategy })
  return { aws: entry.aws, fleet: entry.fleet }
}

const ci = async (aws: FakeAws, args: string[], summary?: string) => {
  const env: Record<string, string> = summary
    ? { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary, GITHUB_OUTPUT: join(home, 'outputs.txt') }
    : {}
  const result = await runController(aws, home, args, env)
  process.stdout.write(result.stdout)
  process.stderr.write(result.stderr)
  return result
}

const servedBy = async (fleet: SimFleet) =>
  (await Promise.all(fleet.instances.map((i) => served(i.port)))).join(', ')

/** Deploys `image` to the fleet while the prober requests every instance; returns what it saw. */
async function underProbe(
  aws: FakeAws,
  fleet: SimFleet,
  image: string,
  summary?: string,
  flags: string[] = [],
) {
  const prober = probe(fleet.instances.map((i) => i.port))
  const result = await ci(aws, ['deploy', ...targets, ...flags, '--image', image], summary)
  const counts = await prober.stop()
  note(`prober: ${counts.ok} requests answered, ${counts.failed} failed; controller exit code ${result.code}`)
  note(`now served: ${await servedBy(fleet)}`)
  return counts
}

let figures: [string, ProbeCounts][] = []
try {
  say('Fleet 1: three instances tagged Role=web, strategy blue-green (each agent beside its proxy)')
  const blue = await fleetOf('blue-green', 'b')
  for (const i of blue.fleet.instances) note(`${i.id}: service "web" on 127.0.0.1:${i.port}`)

  say(`Deploying v1 from "CI" with the controller (${g.images.v1.uri})`)
  await ci(blue.aws, ['deploy', ...targets, '--image', g.images.v1.uri])
  note(`now served: ${await servedBy(blue.fleet)}`)
  note("each agent's desired-state job reads Parameter Store here every 2 s, at its own offset (every two")
  note('minutes on an instance). It deploys only a stable release, so no instance runs v1 before the command')
  note('reaches it; SSM alone paces the rollout')

  say('Blue-green deploy of v2, one instance at a time, while a prober requests every instance')
  note('each agent starts v2 beside v1, waits for its health check, then switches the proxy over')
  const green = await underProbe(blue.aws, blue.fleet, g.images.v2.uri)

  say('A bad release whose /health never answers, under the same prober')
  note("the first instance's agent starts it beside v2; the health check fails, so the agent removes it by")
  note('itself and v2, which never stopped, keeps serving. SSM then stops sending the command (no error is')
  note('allowed by default), so the other two never try it. The release is marked aborted in Parameter')
  note("Store, naming v2 as the stable release it replaced: every agent's desired-state job keeps v2.")
  const summary = join(home, 'summary.md')
  const bad = await underProbe(blue.aws, blue.fleet, g.images.unhealthy.uri, summary)

  say('The job summary CI shows for that run')
  process.stdout.write(await readFile(summary, 'utf8'))

  say('What each instance runs, next to the desired release in Parameter Store')
  await ci(blue.aws, ['status', ...targets.slice(0, 6), '--region', g.region])

  say('For contrast, fleet 2: the same three instances, strategy recreate (stop the old, start the new)')
  const plain = await fleetOf('recreate', 'r')
  await ci(plain.aws, ['deploy', ...targets, '--image', g.images.v1.uri])
  say('Recreate deploy of v2 under the same prober')
  const recreate = await underProbe(plain.aws, plain.fleet, g.images.v2.uri)

  figures = [
    ['blue-green deploy of v2', green],
    ['unhealthy release, rolled back', bad],
    ['recreate deploy of v2', recreate],
  ]
} finally {
  say('Tearing down: agents, proxies, containers, fake AWS, test ground')
  for (const { aws, fleet } of started) {
    await fleet?.stop()
    await aws.close()
  }
  await rm(home, { recursive: true, force: true })
  ground('teardown')
}

say(
  `What the prober saw (every instance, one request at a time each, ${((Date.now() - startedAt) / 1000).toFixed(0)} s in all)`,
)
for (const [label, counts] of figures) {
  note(
    `${label.padEnd(34)} ${String(counts.ok).padStart(6)} answered ${String(counts.failed).padStart(5)} failed`,
  )
}
