import { execFileSync } from 'node:child_process'
import t from 'tap'
import { releaseContainerSpec } from '../../../agent/deploy/container-spec.ts'
import { beginRelease } from '../../../agent/state/ledger.ts'
import { BusyError } from '../../../shared/errors.ts'
import { loadGround } from '../../ground/ground.ts'
import { ensureLocalBusybox } from '../../support/busybox-image.ts'
import { get, type Harness, startHarness } from '../../support/deploy-harness.ts'
import { freePort } from '../../support/free-port.ts'
import { useFakeAws } from './fake-aws-env.ts'
import { serviceOf } from './upkeep-service.ts'

await useFakeAws(t)

async function containersOf(h: Harness): Promise<[string, string][]> {
  const containers = await h.docker.listContainers({ 'ecr-deploy.agent': h.agentId })
  return containers.map((c) => [c.name, c.state])
}

/** The state a SIGKILL leaves after the intent for r2 was recorded and r1 stopped. */
async function crashMidDeploy(h: Harness, startNew: boolean): Promise<void> {
  const { v2 } = h.ground.images
  const image = `${h.ground.registryHost}/ecr-ssm-deploy/app@${v2.digest}`
  const ledger = await h.state.read('web')
  await h.state.write(
    beginRelease(ledger, {
      id: 'r2',
      image,
      digest: v2.digest,
      startedAt: new Date().toISOString(),
      result: 'in-progress',
    }),
  )
  const [old] = await h.docker.listContainers({ 'ecr-deploy.agent': h.agentId })
  if (old) await h.docker.stop(old.id, 3)
  if (startNew) {
    const service = serviceOf(h)
    const env = { MODE: 'test', GREETING: 'hello from ssm' }
    await h.docker.pull(image, {
      username: h.ground.registryUser,
      password: h.ground.registryPassword,
      serveraddress: h.ground.registryUrl,
    })
    const id = await h.docker.create(
      releaseContainerSpec({ agentId: h.agentId, service, releaseId: 'r2', image, env }),
    )
    await h.docker.start(id)
  }
}

t.test(
  'one deploy per service: BusyError at once, or queued with wait; services run in parallel',
  async (t) => {
    const apiPort = await freePort()
    const h = await startHarness(
      t,
      `  api:
    repository: ${loadGround().registryHost}/ecr-ssm-deploy/app
    ports: ["127.0.0.1:${apiPort}:8080"]
    stopTimeout: 3
    healthCheck: { tcp: { port: 8080 }, interval: 0.2, startPeriod: 1 }
`,
    )
    const { v1, v2 } = h.ground.images
    const first = h.deployer.deploy({ service: 'web', image: v1.uri })
    await t.rejects(h.deployer.deploy({ service: 'web', image: v2.uri }), BusyError)
    const queued = h.deployer.deploy({ service: 'web', image: v2.uri, wait: true })
    const other = h.deployer.deploy({ service: 'api', image: v1.uri })
    t.match(await first, { result: 'deployed', release: { id: 'r1' } })
    t.match(await queued, { result: 'deployed', release: { id: 'r2' }, previous: { id: 'r1' } })
    t.match(await other, { result: 'deployed', service: 'api' })
    t.strictSame(await get(h.port), { status: 200, body: 'v2' })
    t.strictSame(await get(apiPort), { status: 200, body: 'v1' })
  },
)

t.test(
  'reconcile after a crash mid-deploy, old container stopped, new never started: back on r1',
  async (t) => {
    const h = await startHarness(t)
    await h.deployer.deploy({ service: 'web', image: h.ground.images.v1.uri })
    await crashMidDeploy(h, false)
    t.match(await get(h.port), { error: 'ECONNREFUSED' }, 'down after the simulated crash')
    const report = await h.deployer.reconcile()
    t.strictSame(report.actions, [
      'web: undid the interrupted deploy of release r2',
      'web: re-created release r1 (its container was stopped)',
    ])
    t.strictSame(await get(h.port), { status: 200, body: 'v1' })
    t.strictSame(await containersOf(h), [[`ecr-deploy-${h.agentId}-web-r1`, 'running']])
    const ledger = await h.state.read('web')
    t.equal(ledger.pending, undefined)
    t.equal(ledger.current?.id, 'r1')
    t.match(ledger.history.at(-1), { id: 'r2', result: 'failed' })
    t.strictSame((await h.deployer.reconcile()).actions, [], 'a second reconcile has nothing to do')
  },
)

t.test('reconcile after a crash once the new container was up: finishes on r2', async (t) => {
  const h = await startHarness(t)
  await h.deployer.deploy({ service: 'web', image: h.ground.images.v1.uri })
  await crashMidDeploy(h, true)
  const report = await h.deployer.reconcile()
  t.strictSame(report.actions, [
    'web: finished the interrupted deploy of release r2',
    'web: removed 1 container(s) of other releases',
  ])
  t.strictSame(await get(h.port), { status: 200, body: 'v2' })
  t.strictSame(await containersOf(h), [[`ecr-deploy-${h.agentId}-web-r2`, 'running']])
  const ledger = await h.state.read('web')
  t.match(ledger, { current: { id: 'r2', result: 'deployed' }, previous: { id: 'r1' } })
})

t.test('reconcile completes an interrupted first deploy: never left with nothing running', async (t) => {
  const h = await startHarness(t)
  const { v1 } = h.ground.images
  const image = `${h.ground.registryHost}/ecr-ssm-deploy/app@${v1.digest}`
  const ledger = await h.state.read('web')
  const release = {
    id: 'r1',
    image,
    digest: v1.digest,
    startedAt: new Date().toISOString(),
    result: 'in-progress' as const,
  }
  await h.state.write(beginRelease(ledger, release))
  t.strictSame((await h.deployer.reconcile()).actions, [
    'web: completed the interrupted first deploy of release r1',
  ])
  t.strictSame(await get(h.port), { status: 200, body: 'v1' })
  t.match(await h.state.read('web'), { current: { id: 'r1', result: 'deployed' } })
})

t.test('reconcile re-creates a stopped or removed current container', async (t) => {
  const h = await startHarness(t)
  await h.deployer.deploy({ service: 'web', image: h.ground.images.v1.uri })
  const [container] = await h.docker.listContainers({ 'ecr-deploy.agent': h.agentId })
  await h.docker.remove(container?.id ?? '')
  t.match(await h.deployer.status('web'), [{ state: 'missing' }])
  t.strictSame((await h.deployer.reconcile()).actions, [
    'web: re-created release r1 (its container was missing)',
  ])
  t.strictSame(await get(h.port), { status: 200, body: 'v1' })
})

t.test('an image that ignores SIGTERM still stops promptly thanks to init', async (t) => {
  const h = await startHarness(t)
  await h.deployer.deploy({ service: 'web', image: h.ground.images.noterm.uri })
  const [old] = await h.docker.listContainers({ 'ecr-deploy.agent': h.agentId })
  const stopped: number[] = []
  h.docker.afterStop = async () => {
    const info = await h.docker.inspect(old?.id ?? '')
    if (info) stopped.push(info.exitCode)
  }
  await h.deployer.deploy({ service: 'web', image: h.ground.images.v1.uri })
  // 143 is 128 + SIGTERM: the TERM reached httpd through init. Without init, PID 1 ignores it, Docker
  // waits out the stop timeout and kills it: 137 (128 + SIGKILL).
  t.strictSame(stopped, [143], 'the old container ended on SIGTERM, not on the stop timeout')
})

t.test('prune removes images beyond keepImages, never the current release', async (t) => {
  const h = await startHarness(t)
  const repository = `${h.ground.registryHost}/ecr-ssm-deploy/other`
  h.setConfig(h.configYaml().replace('ecr-ssm-deploy/app', 'ecr-ssm-deploy/other'))
  await h.deployer.deploy({ service: 'web', image: h.ground.images.other.uri })
  const base = ensureLocalBusybox()
  const tags = [1, 2, 3].map((n) => `${repository}:prune-${h.agentId}-${n}`)
  for (const tag of tags) {
    execFileSync('/usr/bin/docker', ['tag', base, `${tag}-base`])
    execFileSync('/usr/bin/docker', ['build', '-q', '-t', tag, '-'], {
      input: `FROM ${tag}-base\nLABEL prune=${tag}\n`,
      stdio: ['pipe', 'ignore', 'ignore'],
    })
    execFileSync('/usr/bin/docker', ['rmi', `${tag}-base`], { stdio: 'ignore' })
    await new Promise((resolve) => setTimeout(resolve, 1100))
  }
  t.teardown(() => {
    for (const tag of tags) {
      try {
        execFileSync('/usr/bin/docker', ['rmi', tag], { stdio: 'ignore' })
      } catch {
        // Already removed by the prune under test.
      }
    }
  })
  const report = await h.deployer.prune()
  t.strictSame(report.actions, [`web: removed image ${tags[1]}`, `web: removed image ${tags[0]}`])
  t.ok(await h.docker.inspectImage(tags[2] ?? ''), 'the newest never-deployed image is within keepImages')
  t.ok(await h.docker.inspectImage(`${repository}@${h.ground.images.other.digest}`), 'current kept')
  t.strictSame(await get(h.port), { status: 200, body: 'other' })
})
