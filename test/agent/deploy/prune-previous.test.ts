import t from 'tap'
import { startHarness } from '../../support/deploy-harness.ts'
import { buildAndPush } from '../docker/pushed-image.ts'
import { useFakeAws } from './fake-aws-env.ts'

await useFakeAws(t)

t.test('prune keeps the two most recently deployed images, with keepImages 2 (the minimum)', async (t) => {
  const h = await startHarness(t)
  // A repository of this test's own: the shared ground images stay untouched by this prune.
  const repository = `ecr-ssm-deploy/prune-${h.agentId}`
  const config = h.configYaml().replace('ecr-ssm-deploy/app', repository)
  h.setConfig(config)
  const [a, b, c] = [
    await buildAndPush(t, h.ground, repository, 'a'),
    await buildAndPush(t, h.ground, repository, 'b'),
    await buildAndPush(t, h.ground, repository, 'c'),
  ]
  if (!a || !b || !c) throw new Error('three images expected')
  t.equal(new Set([a.digest, b.digest, c.digest]).size, 3, 'three distinct digests')
  for (const image of [a, b, c]) await h.deployer.deploy({ service: 'web', image: image.pinned })
  const [status] = await h.deployer.status('web')
  t.match(status, { current: { id: 'r3', digest: c.digest }, previous: { id: 'r2', digest: b.digest } })

  const present = async () => ({
    a: (await h.docker.inspectImage(a.pinned)) !== null,
    b: (await h.docker.inspectImage(b.pinned)) !== null,
    c: (await h.docker.inspectImage(c.pinned)) !== null,
  })
  t.strictSame(await present(), { a: true, b: true, c: true }, 'all three were on disk before the prune')
  const report = await h.deployer.prune()
  t.strictSame(report.actions, [`web: removed image ${a.pinned}`])
  t.strictSame(await present(), { a: false, b: true, c: true }, 'current (c) and previous (b) stay')

  // The previous release is kept so that a rollback needs no registry: nothing is pulled.
  t.match(await h.deployer.rollback({ service: 'web' }), {
    result: 'rolled-back',
    release: { digest: b.digest },
  })
  t.strictSame(
    h.docker.pulls,
    [],
    'every image was local: built here, never pulled, and b survived the prune',
  )
  t.strictSame(await present(), { a: false, b: true, c: true })
})

t.test('the previous release survives a prune even when keepImages alone would remove it', async (t) => {
  const h = await startHarness(t)
  const repository = `ecr-ssm-deploy/prune-${h.agentId}`
  h.setConfig(h.configYaml().replace('ecr-ssm-deploy/app', repository))
  const a = await buildAndPush(t, h.ground, repository, 'a')
  const b = await buildAndPush(t, h.ground, repository, 'b')
  const crash = await buildAndPush(t, h.ground, repository, 'crash', ['CMD ["/bin/sh", "-c", "exit 3"]'])
  await h.deployer.deploy({ service: 'web', image: a.pinned })
  await h.deployer.deploy({ service: 'web', image: b.pinned })
  await t.rejects(h.deployer.deploy({ service: 'web', image: crash.pinned }), { code: 'E_HEALTH_FAILED' })
  // The failed deploy is the most recent one: ranked by recency it comes first, then b, then a, so
  // keepImages 2 alone would remove a, the release a rollback returns to.
  t.match(await h.deployer.status('web'), [{ current: { digest: b.digest }, previous: { digest: a.digest } }])
  const present = async () => ({
    a: (await h.docker.inspectImage(a.pinned)) !== null,
    b: (await h.docker.inspectImage(b.pinned)) !== null,
    crash: (await h.docker.inspectImage(crash.pinned)) !== null,
  })
  t.strictSame(await present(), { a: true, b: true, crash: true })
  t.strictSame((await h.deployer.prune()).actions, [], 'nothing beyond keepImages may go')
  t.strictSame(await present(), { a: true, b: true, crash: true })

  t.match(await h.deployer.rollback({ service: 'web' }), {
    result: 'rolled-back',
    release: { digest: a.digest },
  })
  t.strictSame(h.docker.pulls, [], 'the rollback found a on disk')
})
