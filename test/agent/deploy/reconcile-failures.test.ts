import t from 'tap'
import { beginRelease } from '../../../agent/state/ledger.ts'
import { GREETING_PARAMETER, type Harness, startHarness } from '../../support/deploy-harness.ts'
import { useFakeAws } from './fake-aws-env.ts'

/** Reconcile when it cannot bring a release back: it says so, records it, and touches nothing else. */
await useFakeAws(t)

// A name SSM does not have: GetParameters lists it in InvalidParameters and the agent names it.
const MISSING = '/web/no-such-greeting'
const NOT_FOUND = `SSM parameter "${MISSING}" not found: create it, or fix envFromParameters in the agent configuration`

async function containersOf(h: Harness): Promise<[string, string][]> {
  const containers = await h.docker.listContainers({ 'ecr-deploy.agent': h.agentId })
  return containers.map((c) => [c.name, c.state])
}

t.test('an interrupted first deploy that cannot be completed is recorded as failed', async (t) => {
  const h = await startHarness(t)
  const { v1 } = h.ground.images
  const release = {
    id: 'r1',
    image: `${h.ground.registryHost}/ecr-ssm-deploy/app@${v1.digest}`,
    digest: v1.digest,
    startedAt: new Date().toISOString(),
    result: 'in-progress' as const,
  }
  await h.state.write(beginRelease(await h.state.read('web'), release))
  h.setConfig(h.configYaml().replace(GREETING_PARAMETER, MISSING))
  t.strictSame((await h.deployer.reconcile()).actions, [
    `web: could not complete the interrupted first deploy of release r1: ${NOT_FOUND}`,
  ])
  const ledger = await h.state.read('web')
  t.equal(ledger.current, undefined, 'nothing became current')
  t.equal(ledger.pending, undefined, 'nothing is left pending')
  t.match(ledger.history, [
    {
      id: 'r1',
      result: 'failed',
      message: `interrupted, and could not be completed: ${NOT_FOUND}`,
    },
  ])
  t.strictSame(h.docker.created, [], 'no container was created')
})

t.test('a stopped current release that cannot be re-created is left as it was', async (t) => {
  const h = await startHarness(t)
  await h.deployer.deploy({ service: 'web', image: h.ground.images.v1.uri })
  const [container] = await h.docker.listContainers({ 'ecr-deploy.agent': h.agentId })
  await h.docker.stop(container?.id ?? '', 3)
  h.setConfig(h.configYaml().replace(GREETING_PARAMETER, MISSING))
  t.strictSame((await h.deployer.reconcile()).actions, [`web: could not re-create release r1: ${NOT_FOUND}`])
  t.strictSame(
    await containersOf(h),
    [[`ecr-deploy-${h.agentId}-web-r1`, 'exited']],
    'the stopped container is not removed before the parameters are read',
  )
  t.match(await h.state.read('web'), { current: { id: 'r1', result: 'deployed' } })

  h.setConfig(h.configYaml())
  t.strictSame((await h.deployer.reconcile()).actions, [
    'web: re-created release r1 (its container was stopped)',
  ])
})
