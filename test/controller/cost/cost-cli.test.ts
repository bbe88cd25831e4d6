import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import type { CostReport } from '../../../controller/cost/storage-cost.ts'
import { httpRegistryContents } from '../../ground/fake-aws/registry-contents.ts'
import { loadGround } from '../../ground/ground.ts'
import { startFakeOnGround } from '../../support/ground-aws.ts'
import { runController } from '../../support/run-controller.ts'

// `ecr-deploy cost` against the fake ECR answering from the ground's real registry, whose test images
// share their busybox base layers.
const ground = loadGround()
const aws = await startFakeOnGround(ground)
const home = await mkdtemp(join(tmpdir(), 'ecr-deploy-cost-'))
t.teardown(async () => {
  await aws.close()
  await rm(home, { recursive: true, force: true })
})
const cli = (args: string[], env: Record<string, string> = {}) => runController(aws, home, args, env)
const repository = ground.images.v1.repository

/** The distinct blobs of the repository and each image's own total, read straight from the registry. */
async function registryFigures() {
  const contents = httpRegistryContents({
    url: ground.registryUrl,
    user: ground.registryUser,
    password: ground.registryPassword,
    ca: await readFile(ground.caCertPath, 'utf8'),
  })
  const blobs = new Map<string, number>()
  const digests = new Set<string>()
  let sumOfSizes = 0
  for (const tag of (await contents.tags(repository)) ?? []) {
    const manifest = await contents.manifest(repository, tag)
    if (manifest === undefined || digests.has(manifest.digest)) continue
    digests.add(manifest.digest)
    const body = JSON.parse(manifest.body) as {
      config: { digest: string; size: number }
      layers: { digest: string; size: number }[]
    }
    for (const blob of [body.config, ...body.layers]) blobs.set(blob.digest, blob.size)
    sumOfSizes += manifest.sizeInBytes
  }
  return { images: digests.size, stored: [...blobs.values()].reduce((a, b) => a + b, 0), sumOfSizes }
}

t.test(
  'stored bytes are the distinct layers, fewer than the sum of image sizes; keep 2 expires the rest',
  async (t) => {
    const figures = await registryFigures()
    t.ok(figures.images > 2, 'the ground repository holds several images')
    const run = await cli([
      'cost',
      '--repository',
      repository,
      '--keep',
      '2',
      '--json',
      '--dockerhub-seats',
      '4',
      '--region',
      ground.region,
    ])
    t.equal(run.code, 0, run.stderr)
    const report = JSON.parse(run.stdout) as CostReport
    const [costs] = report.repositories
    t.equal(costs?.images, figures.images)
    t.equal(costs?.now.bytes, figures.stored, 'the distinct config and layer blobs')
    t.equal(costs?.sumOfImageSizes, figures.sumOfSizes)
    t.ok((costs?.now.bytes ?? 0) < figures.sumOfSizes, 'shared base layers are counted once')
    t.equal(costs?.policy, 'proposed', 'the repository has no policy: the one setup lifecycle would put')
    t.equal(costs?.expire.images, figures.images - 2, "ECR's preview keeps the newest 2")
    t.ok(
      (costs?.expire.bytes ?? 0) > 0 && (costs?.expire.bytes ?? 0) < figures.stored,
      'frees only unshared blobs',
    )
    t.equal(costs?.after.bytes, figures.stored - (costs?.expire.bytes ?? 0))
    t.same(report.dockerhub, { seats: 4, pricePerSeat: 15, monthly: 60 })
    const preview = aws.calls.filter((c) => c.operation === 'StartLifecyclePolicyPreview')
    t.match(preview.at(-1)?.input, { repositoryName: repository, lifecyclePolicyText: /"countNumber":2/ })
    t.ok(
      aws.calls.some((c) => c.operation === 'BatchGetImage'),
      'manifests read with BatchGetImage',
    )
  },
)

t.test('the text table by default, and a job summary with the chart in GitHub Actions', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ecr-deploy-cost-summary-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const summary = join(dir, 'summary.md')
  const run = await cli(['cost', '--repository', repository, '--region', ground.region], {
    GITHUB_ACTIONS: 'true',
    GITHUB_STEP_SUMMARY: summary,
  })
  t.equal(run.code, 0, run.stderr)
  t.match(run.stdout, /^repository +images +sum of sizes +stored +\$\/month/)
  t.match(run.stdout, `${repository} *`)
  t.match(run.stdout, 'Pulls from EC2 in the same region cost nothing, so the saving is mostly the seats.')
  const markdown = await readFile(summary, 'utf8')
  t.match(markdown, '```mermaid\nxychart-beta\n')
  t.match(markdown, `x-axis ["${repository}"]`)
  t.match(markdown, `| \` ${repository} \` \\* |`)
})

t.test('a price that is not a number is refused before any AWS call', async (t) => {
  const before = aws.calls.length
  const run = await cli(['cost', '--price-per-gb', 'ten', '--region', ground.region])
  t.equal(run.code, 2)
  t.match(run.stderr, 'error [E_USAGE]: --price-per-gb must be a number such as 0.10 (got "ten")')
  t.equal(aws.calls.length, before)
})
