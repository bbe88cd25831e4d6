import t from 'tap'
import { PolicyRefusedError } from '../../../shared/errors.ts'
import { parseImageRef, repositoryUri } from '../../../shared/image-ref.ts'
import { get, type Harness, startHarness } from '../../support/deploy-harness.ts'
import { useFakeAws } from './fake-aws-env.ts'

/*
 * `pull` readies an instance for a release and changes nothing it runs: no container is created, started
 * or stopped, the ledger stays byte for byte, and the service keeps answering from its current release.
 */

await useFakeAws(t)

async function running(h: Harness): Promise<[string, string][]> {
  const containers = await h.docker.listContainers({ 'ecr-deploy.agent': h.agentId })
  return containers.map((c) => [c.name, c.state])
}

t.test('a pull fetches the release image and touches no container and no ledger', async (t) => {
  const h = await startHarness(t)
  await h.deployer.deploy({ service: 'web', image: h.ground.images.v1.uri })
  const ledger = JSON.stringify(await h.state.read('web'))
  const before = await running(h)
  const created = h.docker.created.length
  const { v2 } = h.ground.images
  const pinned = `${repositoryUri(parseImageRef(v2.uri))}@${v2.digest}`

  const byTag = await h.deployer.pull({ service: 'web', image: v2.uri })
  t.match(byTag, { service: 'web', result: 'pulled', image: pinned, digest: v2.digest })
  t.equal(byTag.message, `pulled ${pinned}; no container was changed`)
  t.ok(h.docker.pulls.includes(v2.uri), 'the tag was pulled')

  const release = { selector: '/ecr-deploy/prod/web:2', spec: { env: { MODE: 'two' } } }
  const pulls = h.docker.pulls.length
  const byRelease = await h.deployer.pull({ service: 'web', image: pinned, release })
  t.match(byRelease, { result: 'pulled', image: pinned, digest: v2.digest })
  t.equal(byRelease.message, `${pinned} is already on this instance; nothing was pulled`)
  t.equal(h.docker.pulls.length, pulls, 'a digest already local is not pulled again')
  t.not(await h.docker.inspectImage(pinned), null, 'Docker has the image')

  t.equal(h.docker.created.length, created, 'no container was created')
  t.strictSame(h.docker.stopped, [], 'no container was stopped')
  t.strictSame(await running(h), before, 'the running container stays')
  t.equal(JSON.stringify(await h.state.read('web')), ledger, 'the ledger is unchanged')
  t.strictSame(await get(h.port), { status: 200, body: 'v1' })
  t.match(await h.deployer.status('web'), [{ state: 'running', current: { id: 'r1' } }])
})

t.test('a release the policy refuses is refused by its pull, before anything is pulled', async (t) => {
  const h = await startHarness(t)
  const release = { selector: '/ecr-deploy/prod/web:2', spec: { ports: [`127.0.0.1:${h.port + 1}:8080`] } }
  const refused = await h.deployer
    .pull({ service: 'web', image: h.ground.images.v2.uri, release })
    .catch((e: unknown) => e)
  t.type(refused, PolicyRefusedError)
  t.match((refused as Error).message, /^release \/ecr-deploy\/prod\/web:2: spec\.ports\[0\]: /)
  t.strictSame(h.docker.pulls, [], 'nothing was pulled')
})
