import t from 'tap'
import { startBlueGreen } from '../../support/blue-green-harness.ts'
import { get } from '../../support/deploy-harness.ts'
import { useFakeAws } from './fake-aws-env.ts'

/*
 * A service taken out of the configuration, on real dockerd and a real ecr-deploy-proxy: reconcile
 * leaves it running and says so; retire removes its containers and frees its public port.
 */

await useFakeAws(t)

t.test('a service taken out of the configuration is reported by reconcile, then retired', async (t) => {
  const h = await startBlueGreen(t)
  await h.newDeployer().deploy({ service: 'web', image: h.ground.images.v1.uri })
  const retired = h.newDeployer(undefined, 'retired')

  const report = await retired.reconcile()
  t.strictSame(report.actions, [
    'web: not in the configuration; its 1 container(s) are left running (`ecr-deploy-agent retire --service web` removes them)',
  ])
  t.strictSame(await get(h.port), { status: 200, body: 'v1' }, 'reconcile leaves it serving')

  await t.rejects(h.newDeployer().retire('web'), {
    code: 'E_USAGE',
    message: /still in the configuration; remove it from the file, reload the agent/,
  })
  t.strictSame(await get(h.port), { status: 200, body: 'v1' }, 'a refused retire touches nothing')

  const done = await retired.retire('web')
  t.strictSame(done.actions, [
    `web: the proxy gave up 127.0.0.1:${h.port} (web/8080)`,
    `web: removed container ecr-deploy-${h.agentId}-web-r1`,
    'web: cleared its current and previous releases (history kept)',
  ])
  t.match(await get(h.port), { error: /ECONNREFUSED/ }, 'the public port is free')
  t.strictSame(await h.docker.listContainers({ 'ecr-deploy.agent': h.agentId }), [])
  t.strictSame((await h.proxyClient.status()).routes, [])
  t.strictSame((await retired.reconcile()).actions, [], 'nothing left to report')
  t.strictSame((await retired.retire('web')).actions, [], 'retiring again does nothing')

  // Back in the configuration, it starts from nothing (no release to restore), with ids that go on.
  const back = h.newDeployer()
  t.strictSame((await back.reconcile()).actions, [])
  t.match(await back.deploy({ service: 'web', image: h.ground.images.v2.uri }), {
    result: 'deployed',
    release: { id: 'r2' },
  })
  t.match(await back.history('web'), [{ id: 'r2' }, { id: 'r1' }])
})
