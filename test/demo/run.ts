import { spawnSync } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runController } from '../controller/run-controller.js'
import { served, startSimFleet } from '../e2e/sim-fleet.js'
import { startFakeOnGround } from '../fixtures/ground-aws.js'
import { loadGround } from '../ground/ground.js'

/*
 * `npm run demo`: the whole tool on one machine, narrated. The test ground gives a real Docker engine and an
 * ECR-shaped registry; a fake AWS gives SSM, ECR, IMDS and STS on 127.0.0.1; three simulated instances each
 * run a real agent. Everything it starts is stopped at the end.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const say = (text: string) => process.stdout.write(`\n\x1b[1m== ${text}\x1b[0m\n`)

function ground(script: 'setup' | 'teardown'): void {
  const run = spawnSync(process.execPath, ['--import', 'tsx', `test/ground/${script}.ts`], {
    cwd: ROOT,
    stdio: 'inherit',
  })
  if (run.status !== 0) throw new Error(`test ground ${script} failed (exit ${run.status})`)
}

/** Requests every instance's public port in a loop until stopped; counts what fails. */
function probe(ports: readonly number[]) {
  let running = true
  let ok = 0
  let failed = 0
  const loop = async (port: number) => {
    while (running) {
      const res = await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined)
      if (res?.ok) ok += 1
      else failed += 1
      await res?.text().catch(() => undefined)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }
  const loops = ports.map(loop)
  return {
    stop: async () => {
      running = false
      await Promise.all(loops)
      return { ok, failed }
    },
  }
}

say('Starting the test ground: dockerd, a TLS registry under an ECR host name, test images v1 and v2')
ground('setup')
const g = loadGround()
const aws = await startFakeOnGround(g)
const home = await mkdtemp(join(tmpdir(), 'ecr-ssm-deploy-demo-'))
let fleet: Awaited<ReturnType<typeof startSimFleet>> | undefined
try {
  say(
    `Fake AWS (SSM, ECR, IMDSv2, STS) on ${aws.endpoint}; three instances tagged Role=web, each with a real agent`,
  )
  fleet = await startSimFleet(aws, g, [
    { id: 'i-0demo00000000000a', name: 'a' },
    { id: 'i-0demo00000000000b', name: 'b' },
    { id: 'i-0demo00000000000c', name: 'c' },
  ])
  for (const instance of fleet.instances)
    process.stdout.write(`  ${instance.id}: service "web" on 127.0.0.1:${instance.port}\n`)
  const ci = (args: string[], env: Record<string, string> = {}) =>
    runController(aws, home, args, env).then((result) => {
      process.stdout.write(result.stdout)
      process.stderr.write(result.stderr)
      return result
    })
  const targets = ['--service', 'web', '--targets', 'tag:Role=web', '--timeout', '300']

  say(`Deploying v1 (${g.images.v1.uri}) from "CI" with the controller`)
  await ci(['deploy', ...targets, '--image', g.images.v1.uri])
  process.stdout.write(
    `  served: ${(await Promise.all(fleet.instances.map((i) => served(i.port)))).join(', ')}\n`,
  )

  say('Deploying v2 one instance at a time (--max-concurrency 1) while a prober requests every instance')
  const prober = probe(fleet.instances.map((i) => i.port))
  const summary = join(home, 'summary.md')
  await ci(['deploy', ...targets, '--image', g.images.v2.uri, '--max-concurrency', '1'], {
    GITHUB_ACTIONS: 'true',
    GITHUB_STEP_SUMMARY: summary,
    GITHUB_OUTPUT: join(home, 'outputs.txt'),
  })
  const counts = await prober.stop()
  process.stdout.write(
    `  prober: ${counts.ok} requests answered, ${counts.failed} failed while each container was replaced (strategy "recreate"; "blue-green" is the zero-downtime one)\n`,
  )
  process.stdout.write(
    `  served: ${(await Promise.all(fleet.instances.map((i) => served(i.port)))).join(', ')}\n`,
  )

  say('The job summary a GitHub Actions run would show')
  process.stdout.write(await readFile(summary, 'utf8'))

  say('Rolling the fleet back to the previous desired release (Parameter Store history)')
  await ci(['rollback', ...targets, '--region', g.region])
  process.stdout.write(
    `  served: ${(await Promise.all(fleet.instances.map((i) => served(i.port)))).join(', ')}\n`,
  )

  say('What each instance runs, next to the desired release')
  await ci(['status', ...targets, '--region', g.region])
} finally {
  say('Tearing down: agents, containers, fake AWS, test ground')
  await fleet?.stop()
  await aws.close()
  await rm(home, { recursive: true, force: true })
  ground('teardown')
}
