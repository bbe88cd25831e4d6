import { spawnSync } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FakeAws } from '../ground/fake-aws/index.ts'
import { loadGround } from '../ground/ground.ts'
import { BIG_IMAGE_RANDOM_BYTES } from '../ground/image-recipes.ts'
import { startFakeOnGround } from '../support/ground-aws.ts'
import { runController } from '../support/run-controller.ts'
import { type SimFleet, served, startSimFleet } from '../support/sim-fleet.ts'
import { median, tableLine } from './agent/figures.ts'
import { startInstanceEngines } from './rollout/instance-engines.ts'
import { startThrottledRelay, type ThrottledRelay } from './rollout/throttled-relay.ts'

/*
 * A rollout with and without the pull before the switch (the rollout's `pull` phase), side by side in one run:
 * 12 simulated instances, each with a real agent on an engine (dockerd) and image store of its own, reach
 * the ground's registry through a relay that gives each instance BENCH_MBPS MB/s; the release is the
 * ground's `big` image (a 50 MB layer on top of what v1 already brought). The controller CLI deploys with
 * `--max-concurrency 2`, SSM's rate control, as a user would, the agents' desired-state job on as shipped.
 * Measured from the controller's first SendCommand to the moment the last instance serves the release, and
 * the time the fleet serves mixed versions (first instance on the release to the last), by polling every
 * instance's port. Each sample starts from a fresh fake AWS and fresh engines (empty image stores) with v1
 * deployed; the two sides take turns. Needs root (dockerd); prints medians; asserts nothing about time.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const FLEET = Number(process.env.BENCH_FLEET ?? 12)
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 3)
const MBPS = Number(process.env.BENCH_MBPS ?? 5)
const POLL_MS = 100

type Side = 'prepull' | 'no-prepull'

interface Sample {
  readonly side: Side
  /** First SendCommand of the rollout to the last instance serving the release. */
  readonly toLastSwitchMs: number
  /** First instance serving the release to the last one: the fleet runs two versions. */
  readonly mixedMs: number
  /** The controller process, start to exit. */
  readonly controllerMs: number
  /** Bytes the relays carried during the rollout, all instances. */
  readonly pulledBytes: number
  /** The pull's SendCommand to the first wave's (0 without the pull). */
  readonly pullPhaseMs: number
}

const up = spawnSync(process.execPath, ['--import', 'tsx', 'test/ground/setup.ts'], {
  cwd: ROOT,
  encoding: 'utf8',
})
if (up.status !== 0) throw new Error(`test ground did not come up:\n${up.stderr}`)
const ground = loadGround()
const dir = await mkdtemp(join(tmpdir(), 'rollout-bench-'))
const repository = `${ground.registryHost}/${ground.images.v1.repository}`

const deployArgs = (tag: string, ...extra: string[]) => [
  'deploy',
  '--environment',
  'prod',
  '--service',
  'web',
  '--image',
  `${repository}:${tag}`,
  '--targets',
  'tag:Role=web',
  '--timeout',
  '900',
  ...extra,
]

/** Every instance's first moment serving `version`, polled until all do or `done` settles. */
function watchSwitches(fleet: SimFleet, version: string, done: Promise<unknown>): Promise<number[]> {
  const firstSeen = fleet.instances.map(() => Number.NaN)
  let finished = false
  void done.finally(() => {
    finished = true
  })
  return (async () => {
    while (!finished || firstSeen.some(Number.isNaN)) {
      const now = Date.now()
      const answers = await Promise.all(fleet.instances.map((i) => served(i.port)))
      answers.forEach((answer, index) => {
        if (answer === version && Number.isNaN(firstSeen[index])) firstSeen[index] = now
      })
      if (finished && firstSeen.some(Number.isNaN)) break
      await new Promise((resolve) => setTimeout(resolve, POLL_MS))
    }
    return firstSeen
  })()
}

async function sample(side: Side, index: number): Promise<Sample> {
  const home = join(dir, `${side}-${index}`)
  const relays: ThrottledRelay[] = []
  let aws: FakeAws | undefined
  let fleet: SimFleet | undefined
  const engines = await (async () => {
    for (let i = 0; i < FLEET; i++) {
      relays.push(
        await startThrottledRelay({
          allow: `${ground.registryHost}:443`,
          bytesPerSecond: MBPS * 1024 * 1024,
        }),
      )
    }
    return startInstanceEngines(FLEET, join(home, 'engines'), (i) => relays[i]?.url ?? '')
  })()
  try {
    aws = await startFakeOnGround(ground)
    const specs = engines.engines.map((_, i) => ({
      id: `i-${(0x100000000000 + i).toString(16).padStart(17, '0')}`,
      name: `n${i}`,
    }))
    fleet = await startSimFleet(aws, ground, specs, {
      engineFor: (_spec, i) => engines.engines[i]?.socket ?? '',
    })
    const base = await runController(aws, home, [
      ...deployArgs('v1', '--no-prepull', '--max-concurrency', '100%'),
    ])
    if (base.code !== 0)
      throw new Error(`deploying v1 failed (exit ${base.code}):\n${base.stdout}\n${base.stderr}`)
    const from = aws.calls.length
    const bytesBefore = relays.map((relay) => relay.bytes())
    const started = Date.now()
    const flags = side === 'prepull' ? ['--max-concurrency', '2'] : ['--max-concurrency', '2', '--no-prepull']
    const rollout = runController(aws, home, deployArgs('big', ...flags))
    const switches = await watchSwitches(fleet, 'big', rollout)
    const result = await rollout
    const ended = Date.now()
    if (result.code !== 0)
      throw new Error(`the ${side} rollout failed (exit ${result.code}):\n${result.stdout}\n${result.stderr}`)
    if (switches.some(Number.isNaN))
      throw new Error(`the ${side} rollout ended with instances not serving big`)
    const pulled = relays.map((relay, i) => relay.bytes() - (bytesBefore[i] ?? 0))
    // Each instance must have fetched the release itself, or the figures measure a shared cache.
    const short = pulled.findIndex((bytes) => bytes < BIG_IMAGE_RANDOM_BYTES)
    if (short >= 0) throw new Error(`instance ${short} fetched only ${pulled[short]} bytes of the release`)
    const sends = aws.calls.slice(from).filter((call) => call.operation === 'SendCommand')
    const firstSend = sends[0]?.at ?? started
    return {
      side,
      toLastSwitchMs: Math.max(...switches) - firstSend,
      mixedMs: Math.max(...switches) - Math.min(...switches),
      controllerMs: ended - started,
      pulledBytes: pulled.reduce((sum, bytes) => sum + bytes, 0),
      pullPhaseMs: side === 'prepull' ? (sends[1]?.at ?? firstSend) - firstSend : 0,
    }
  } catch (error) {
    for (const engine of engines.engines) {
      const log = await readFile(engine.log, 'utf8').catch(() => '')
      const errors = log.split('\n').filter((line) => line.includes('level=error'))
      if (errors.length > 0) console.error(`${engine.log}:\n${errors.slice(-5).join('\n')}`)
    }
    throw error
  } finally {
    await fleet?.stop()
    await aws?.close()
    await engines.stop()
    await Promise.all(relays.map((relay) => relay.close()))
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`

async function main(): Promise<void> {
  console.log(
    `${FLEET} instances, each pulling through its own ${MBPS} MB/s relay; release: ground image big; --max-concurrency 2; ${SAMPLES} samples per side, taking turns`,
  )
  const samples: Sample[] = []
  for (let i = 0; i < SAMPLES; i++) {
    const order: Side[] = i % 2 === 0 ? ['no-prepull', 'prepull'] : ['prepull', 'no-prepull']
    for (const side of order) {
      const s = await sample(side, i)
      samples.push(s)
      console.log(
        `  sample ${i + 1} ${side.padEnd(10)} send to last switch ${seconds(s.toLastSwitchMs)}, mixed versions ${seconds(s.mixedMs)}, controller ${seconds(s.controllerMs)}${s.side === 'prepull' ? `, pull phase ${seconds(s.pullPhaseMs)}` : ''}, ${(s.pulledBytes / 1024 / 1024).toFixed(0)} MiB pulled`,
      )
    }
  }
  const of = (side: Side, pick: (s: Sample) => number) =>
    median(samples.filter((s) => s.side === side).map(pick))
  console.log('')
  console.log(tableLine(['median', 'no-prepull', 'prepull', 'ratio'], 36))
  for (const [label, pick] of [
    ['send to last switch', (s: Sample) => s.toLastSwitchMs],
    ['mixed versions', (s: Sample) => s.mixedMs],
    ['controller, start to exit', (s: Sample) => s.controllerMs],
  ] as const) {
    const without = of('no-prepull', pick)
    const withPull = of('prepull', pick)
    console.log(
      tableLine([label, seconds(without), seconds(withPull), `${(withPull / without).toFixed(2)}x`], 36),
    )
  }
}

try {
  await main()
} finally {
  await rm(dir, { recursive: true, force: true })
  spawnSync(process.execPath, ['--import', 'tsx', 'test/ground/teardown.ts'], { cwd: ROOT })
}
