import t from 'tap'
import { PullFailedError } from '../../../shared/errors.ts'
import { get, startHarness } from '../../support/deploy-harness.ts'
import { useFakeAws } from './fake-aws-env.ts'

await useFakeAws(t)

/*
 * A pull can end without an error and without the image: seen after dockerd was killed and restarted
 * mid-pull. The agent checks that the image is there by its digest before it stops anything.
 */
t.test('a pull that leaves no image is a pull failure, and the running release is untouched', async (t) => {
  const h = await startHarness(t)
  const { v1, v2 } = h.ground.images
  await h.deployer.deploy({ service: 'web', image: v1.uri })
  const [running] = await h.docker.listContainers({ 'ecr-deploy.agent': h.agentId })
  const pinned = `${h.ground.registryHost}/ecr-ssm-deploy/app@${v2.digest}`
  h.docker.missingImages.add(pinned)

  const refused = await h.deployer.deploy({ service: 'web', image: pinned }).catch((error: unknown) => error)
  t.type(refused, PullFailedError)
  t.equal((refused as PullFailedError).exitCode, 4)
  t.match(
    (refused as Error).message,
    `the pull of ${pinned} ended without an error, but Docker has no such image`,
  )
  t.ok(h.docker.pulls.includes(pinned), 'the pull did run')
  t.strictSame(h.docker.stopped, [], 'nothing was stopped')
  const after = await h.docker.listContainers({ 'ecr-deploy.agent': h.agentId })
  t.strictSame(
    after.map((c) => [c.id, c.state]),
    [[running?.id, 'running']],
    'the same container keeps running, and no new one was created',
  )
  t.strictSame(await get(h.port), { status: 200, body: 'v1' })
  t.match(
    (await h.deployer.status('web'))[0],
    { current: { digest: v1.digest } },
    'v1 is still the current release',
  )
})
