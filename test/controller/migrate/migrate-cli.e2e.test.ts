import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import tls from 'node:tls'
import t from 'tap'
import { newRepositoryPolicy } from '../../../controller/migrate/run-migration.ts'
import { HttpRegistry } from '../../../controller/registry/http-registry.ts'
import { loadGround } from '../../ground/ground.ts'
import { startFakeOnGround } from '../../support/ground-aws.ts'
import { startHubRegistry } from '../../support/hub-registry.ts'
import { pushImage, pushIndex, testImage, testIndex } from '../../support/oci-images.ts'
import { runController } from '../../support/run-controller.ts'

// migrate from a second real registry (playing Docker Hub, htpasswd login) into the ground's ECR-shaped
// registry through the fake ECR, as a user runs it: the CLI from source, with the defaults.
const ground = loadGround()
// This process pushes to the ground's ECR registry too, so it trusts the test CA as the CLI does.
// (Node 24's tls API; the @types/node the project pins is older.)
const caStore = tls as unknown as {
  getCACertificates(which: 'default'): string[]
  setDefaultCACertificates(certs: string[]): void
}
caStore.setDefaultCACertificates([
  ...caStore.getCACertificates('default'),
  readFileSync(ground.caCertPath, 'utf8'),
])
const aws = await startFakeOnGround(ground)
t.teardown(() => aws.close())
const hub = await startHubRegistry(t)
const hubClient = new HttpRegistry({
  baseUrl: hub.url,
  host: hub.host,
  credentials: { username: hub.user, password: hub.password },
})
const ecr = new HttpRegistry({
  baseUrl: ground.registryUrl,
  host: ground.registryHost,
  credentials: { username: 'AWS', password: ground.registryPassword },
})
/** The digest ECR's registry serves for a tag or digest, asking for every manifest type (null: none). */
const ecrDigest = async (repository: string, reference: string) =>
  (await ecr.manifest(repository, reference))?.digest ?? null
const home = mkdtempSync(join(tmpdir(), 'migrate-home-'))
const env = {
  AWS_REGION: ground.region,
  DOCKERHUB_USERNAME: hub.user,
  DOCKERHUB_TOKEN: hub.password,
  DOCKER_CONFIG: join(home, '.docker'),
  NODE_EXTRA_CA_CERTS: ground.caCertPath,
}
const run = (to: string, args: string[], extra: Record<string, string> = {}) =>
  runController(aws, home, ['migrate', '--from', `${hub.host}/acme/web`, '--to', to, ...args], {
    ...env,
    ...extra,
  })
const sha256Hex = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')
const fresh = (name: string) => `migrate-${randomBytes(4).toString('hex')}/${name}`

const multi = testIndex('web-v1')
const single = testImage('web-v2')
await pushIndex(hubClient, 'acme/web', multi, 'v1')
await pushImage(hubClient, 'acme/web', single, 'v2')

t.test(
  'a multi-platform index and a single image are copied with their digests; a re-run copies nothing',
  async (t) => {
    const to = fresh('web')
    const first = await run(to, ['--all-tags'])
    t.equal(first.code, 0, first.stderr)
    t.match(first.stdout, `created ECR repository ${to} (mutable tags, scan on push`)
    t.match(first.stdout, new RegExp(`copied\\s+v1\\s+${multi.index.digest}`))
    t.match(first.stdout, new RegExp(`copied\\s+v2\\s+${single.manifest.digest}`))
    t.match(first.stdout, '2 copied, 0 skipped, 0 failed')
    const index = await ecr.manifest(to, 'v1')
    t.equal(index?.digest, multi.index.digest, 'the index keeps its digest')
    t.ok(index?.bytes.equals(multi.index.bytes), 'byte for byte')
    for (const platform of multi.platforms) {
      t.equal(await ecrDigest(to, platform.manifest.digest), platform.manifest.digest)
    }
    t.match(aws.ecr.repositorySettings(to), { imageTagMutability: 'MUTABLE', scanOnPush: true })
    t.equal(aws.ecr.lifecyclePolicy(to), newRepositoryPolicy())
    t.notMatch(first.stdout + first.stderr, hub.password, 'the source password is never printed')
    t.notMatch(first.stdout + first.stderr, ground.registryPassword, 'nor the ECR token')

    const again = await run(to, ['--all-tags'])
    t.equal(again.code, 0, again.stderr)
    t.match(again.stdout, `skipped v1: ECR already holds ${multi.index.digest}`)
    t.match(again.stdout, '0 copied, 2 skipped, 0 failed; 0 B uploaded')
    t.equal(aws.calls.filter((c) => c.operation === 'CreateRepository').length, 1, 'created once')
  },
)

t.test(
  'a copy interrupted by a failing source leaves no tag, and running it again copies only the rest',
  async (t) => {
    const to = fresh('web')
    const image = testIndex('resume')
    await pushIndex(hubClient, 'acme/resume', image, 'r1')
    const [first, second] = image.platforms
    const layer = second?.blobs[1]
    if (first === undefined || second === undefined || layer === undefined) throw new Error('two platforms')
    // The source loses the second platform's layer: the run fails there, after the first platform is in.
    const hex = sha256Hex(layer)
    const data = join(hub.storage, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data')
    const saved = readFileSync(data)
    rmSync(data)
    const resume = (args: string[]) =>
      runController(aws, home, ['migrate', '--from', `${hub.host}/acme/resume`, '--to', to, ...args], env)
    const broken = await resume(['--tags', 'r1'])
    t.equal(broken.code, 16, broken.stderr)
    t.match(
      broken.stderr,
      `error [E_REGISTRY]: ${hub.host} answered HTTP 404 to reading blob sha256:${hex} of acme/resume`,
    )
    t.match(broken.stdout, '0 copied, 0 skipped, 1 failed')
    t.equal(await ecrDigest(to, 'r1'), null, 'no half-copied tag')
    t.equal(await ecrDigest(to, first.manifest.digest), first.manifest.digest, 'the first platform is in')

    writeFileSync(data, saved)
    const resumed = await resume(['--tags', 'r1'])
    t.equal(resumed.code, 0, resumed.stderr)
    // The second platform's config went in before its layer failed: the layer alone is uploaded now.
    t.match(
      resumed.stdout,
      `1 copied, 0 skipped, 0 failed; ${layer.length} B uploaded`,
      'only the lost layer',
    )
    t.equal(await ecrDigest(to, 'r1'), image.index.digest)
  },
)

t.test(
  'a moved tag on an immutable repository is refused with both digests, even with --force',
  async (t) => {
    const to = fresh('web')
    const created = await run(to, ['--tags', 'v2', '--tag-mutability', 'IMMUTABLE'])
    t.equal(created.code, 0, created.stderr)
    t.match(aws.ecr.repositorySettings(to), { imageTagMutability: 'IMMUTABLE' })
    const moved = testImage('web-v2-rebuilt')
    await pushImage(hubClient, 'acme/web', moved, 'v2-moved')
    await pushImage(hubClient, 'acme/web', moved, 'v2')
    t.teardown(() => pushImage(hubClient, 'acme/web', single, 'v2'))
    const refused = await run(to, ['--tags', 'v2', '--force'])
    t.equal(refused.code, 17, refused.stderr)
    t.match(
      refused.stderr,
      `error [E_TAG_CONFLICT]: ${to}:v2 is an immutable tag: ECR holds ${single.manifest.digest}, the source has ${moved.manifest.digest}`,
    )
    t.match(refused.stdout, 'failed v2:')
    t.equal(await ecrDigest(to, 'v2'), single.manifest.digest, 'ECR still holds the first digest')
  },
)

t.test(
  'a wrong password and a tag that does not exist end with a clear error and nothing in ECR',
  async (t) => {
    const to = fresh('web')
    const wrong = await run(to, ['--tags', 'v1'], { DOCKERHUB_TOKEN: 'not-the-password-at-all' })
    t.equal(wrong.code, 16)
    t.match(
      wrong.stderr,
      `error [E_REGISTRY_AUTH]: ${hub.host} refused the login of "acme" for repository:acme/web:pull`,
    )
    t.notMatch(wrong.stderr + wrong.stdout, 'not-the-password-at-all')
    const missing = await run(to, ['--tags', 'v9'])
    t.equal(missing.code, 16)
    t.match(
      missing.stderr,
      `error [E_SOURCE_NOT_FOUND]: ${hub.host}/acme/web has no tag matching "v9" (it has: v1, v2`,
    )
    t.equal(
      aws.calls.filter((c) => c.operation === 'CreateRepository' && JSON.stringify(c.input).includes(to))
        .length,
      0,
    )
  },
)
