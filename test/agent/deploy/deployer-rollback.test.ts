import { createServer } from 'node:net'
import t from 'tap'
import type { DeployOutcome } from '../../../agent/deploy/deployer.ts'
import {
  HealthFailedError,
  NoPreviousReleaseError,
  PullFailedError,
  RollbackFailedError,
} from '../../../shared/errors.ts'
import { get, type Harness, startHarness } from '../../support/deploy-harness.ts'
import { useFakeAws } from './fake-aws-env.ts'

await useFakeAws(t)

async function failure(promise: Promise<DeployOutcome>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected the deploy to fail')
    },
    (error: unknown) => error as Error,
  )
}

async function onlyContainer(h: Harness): Promise<[string, string][]> {
  const containers = await h.docker.listContainers({ 'ecr-deploy.agent': h.agentId })
  return containers.map((c) => [c.name, c.state])
}

t.test(
  'an unhealthy image is rolled back: v1 keeps serving, HealthFailedError carries the reason',
  async (t) => {
    const h = await startHarness(t)
    await h.deployer.deploy({ service: 'web', image: h.ground.images.v1.uri })
    const error = await failure(
      h.deployer.deploy({
        service: 'web',
        image: h.ground.images.unhealthy.uri,
        onProgress: (e) => h.progress.push(e),
      }),
    )
    t.type(error, HealthFailedError)
    t.equal((error as HealthFailedError).exitCode, 5)
    t.match(
      error.message,
      /release r2 of service "web" .* failed: GET http:\/\/127\.0\.0\.1:\d+\/health answered 404 \(expected 200\)/,
    )
    t.match(error.message, /restored release r1 \(.*@sha256:[0-9a-f]{64}\), which is healthy/)
    t.match(error.message, /last log lines of the failed container:\n/)
    t.strictSame(await get(h.port), { status: 200, body: 'v1' })
    t.strictSame(await onlyContainer(h), [[`ecr-deploy-${h.agentId}-web-r1`, 'running']])
    t.ok(h.progress.some((e) => e.phase === 'rollback'))
    const history = await h.deployer.history('web')
    t.strictSame(
      history.map((r) => [r.id, r.result]),
      [
        ['r2', 'failed'],
        ['r1', 'deployed'],
      ],
    )
    t.match(await h.deployer.status('web'), [{ state: 'running', healthy: true, current: { id: 'r1' } }])
    t.notOk((await h.state.read('web')).pending, 'no intent left behind')
  },
)

t.test('a crashing image is rolled back at once, with its log tail', async (t) => {
  const h = await startHarness(t)
  await h.deployer.deploy({ service: 'web', image: h.ground.images.v1.uri })
  const error = await failure(h.deployer.deploy({ service: 'web', image: h.ground.images.crash.uri }))
  t.type(error, HealthFailedError)
  t.match(
    error.message,
    /the container (exited with code 3|keeps exiting \(Docker restarted it \d+ time\(s\)\))/,
  )
  t.match(error.message, /crash: exiting on purpose/)
  t.notMatch(error.message, /not healthy within/, 'the exit was seen, the deadline not waited out')
  t.strictSame(await get(h.port), { status: 200, body: 'v1' })
  t.strictSame(await onlyContainer(h), [[`ecr-deploy-${h.agentId}-web-r1`, 'running']])
})

t.test('a failing first deploy has nothing to restore and leaves no container', async (t) => {
  const h = await startHarness(t)
  const error = await failure(h.deployer.deploy({ service: 'web', image: h.ground.images.crash.uri }))
  t.type(error, HealthFailedError)
  t.match(error.message, /there was no previous release to restore/)
  t.strictSame(await onlyContainer(h), [])
  t.match(await h.deployer.status('web'), [{ state: 'not-deployed' }])
})

t.test('registry down: PullFailedError, nothing touched, the old release keeps serving', async (t) => {
  const h = await startHarness(t)
  await h.deployer.deploy({ service: 'web', image: h.ground.images.v1.uri })
  const [before] = await h.docker.listContainers({ 'ecr-deploy.agent': h.agentId })
  h.setConfig(h.configYaml(h.ground.downRegistryHost))
  const error = await failure(
    h.deployer.deploy({ service: 'web', image: `${h.ground.downRegistryHost}/ecr-ssm-deploy/app:v2` }),
  )
  t.type(error, PullFailedError)
  t.equal((error as PullFailedError).exitCode, 4)
  t.match(error.message, new RegExp(`pulling ${h.ground.downRegistryHost}/ecr-ssm-deploy/app:v2 failed`))
  const [after] = await h.docker.listContainers({ 'ecr-deploy.agent': h.agentId })
  t.equal(after?.id, before?.id)
  t.equal(after?.state, 'running')
  t.strictSame(await get(h.port), { status: 200, body: 'v1' })
  t.strictSame(
    (await h.deployer.history('web')).map((r) => r.id),
    ['r1'],
    'nothing recorded',
  )
})

t.test('a tag missing from the registry is ImageNotFoundError', async (t) => {
  const h = await startHarness(t)
  await t.rejects(
    h.deployer.deploy({ service: 'web', image: `${h.ground.registryHost}/ecr-ssm-deploy/app:no-such-tag` }),
    { name: 'ImageNotFoundError', exitCode: 4 },
  )
  t.strictSame(await onlyContainer(h), [])
})

t.test('rollback to the previous release, then --to a given one', async (t) => {
  const h = await startHarness(t)
  await t.rejects(h.deployer.rollback({ service: 'web' }), NoPreviousReleaseError)
  await h.deployer.deploy({ service: 'web', image: h.ground.images.v1.uri })
  await h.deployer.deploy({ service: 'web', image: h.ground.images.v2.uri })
  const back = await h.deployer.rollback({ service: 'web' })
  t.match(back, {
    result: 'rolled-back',
    release: { id: 'r3', digest: h.ground.images.v1.digest },
    previous: { id: 'r2' },
  })
  t.strictSame(await get(h.port), { status: 200, body: 'v1' })
  const forth = await h.deployer.rollback({ service: 'web', to: 'r2' })
  t.match(forth, { result: 'rolled-back', release: { id: 'r4', digest: h.ground.images.v2.digest } })
  t.strictSame(await get(h.port), { status: 200, body: 'v2' })
  await t.rejects(h.deployer.rollback({ service: 'web', to: 'r99' }), NoPreviousReleaseError)
})

t.test('when the restore fails too: RollbackFailedError, and reconcile brings r1 back later', async (t) => {
  const h = await startHarness(t)
  await h.deployer.deploy({ service: 'web', image: h.ground.images.v1.uri })
  // Something else grabs the host port the moment the old container frees it.
  const squatter = createServer()
  h.docker.afterStop = () => new Promise<void>((resolve) => squatter.listen(h.port, '127.0.0.1', resolve))
  t.teardown(() => squatter.close())
  const error = await failure(h.deployer.deploy({ service: 'web', image: h.ground.images.v2.uri }))
  t.type(error, RollbackFailedError)
  t.equal((error as RollbackFailedError).exitCode, 6)
  t.match(
    error.message,
    /release r2 of service "web" failed \(the container could not start: .*\) and restoring r1 \(.*\) failed too: the container could not start/,
  )
  t.match(await h.state.read('web'), {
    current: { id: 'r1' },
    history: [{ id: 'r1' }, { id: 'r2', result: 'failed' }],
  })

  h.docker.afterStop = undefined
  await new Promise<void>((resolve) => squatter.close(() => resolve()))
  t.strictSame((await h.deployer.reconcile()).actions, [
    'web: re-created release r1 (its container was stopped)',
  ])
  t.strictSame(await get(h.port), { status: 200, body: 'v1' })
})
