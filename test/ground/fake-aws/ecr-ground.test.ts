import {
  BatchGetImageCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
} from '@aws-sdk/client-ecr'
import t, { type Test } from 'tap'
import { startFakeOnGround } from '../../support/ground-aws.ts'
import { loadGround } from '../ground.ts'
import { testKeys } from './test-clients.ts'

// The fake ECR against the real ground registry (TLS, test CA, basic auth): pushed tags resolve to the
// digests the registry serves.
const ground = loadGround()

const start = async (t: Test) => {
  const aws = await startFakeOnGround(ground)
  t.teardown(() => aws.close())
  return new ECRClient({ endpoint: aws.endpoint, region: ground.region, credentials: testKeys() })
}

t.test('GetAuthorizationToken logs in to the ground registry', async (t) => {
  const ecr = await start(t)
  const data = (await ecr.send(new GetAuthorizationTokenCommand({}))).authorizationData?.[0]
  t.equal(Buffer.from(data?.authorizationToken ?? '', 'base64').toString(), `AWS:${ground.registryPassword}`)
  t.equal(data?.proxyEndpoint, ground.registryUrl)
})

t.test('DescribeImages resolves every pushed test tag to its real digest', async (t) => {
  const ecr = await start(t)
  for (const [name, image] of Object.entries(ground.images)) {
    const out = await ecr.send(
      new DescribeImagesCommand({ repositoryName: image.repository, imageIds: [{ imageTag: image.tag }] }),
    )
    const detail = out.imageDetails?.[0]
    t.equal(detail?.imageDigest, image.digest, `${name} digest`)
    t.ok(detail?.imageTags?.includes(image.tag), `${name} tag listed`)
    t.ok((detail?.imageSizeInBytes ?? 0) > 0, `${name} has a size`)
  }
  const byDigest = await ecr.send(
    new DescribeImagesCommand({
      repositoryName: ground.images.v2.repository,
      imageIds: [{ imageDigest: ground.images.v2.digest }],
    }),
  )
  t.ok(byDigest.imageDetails?.[0]?.imageTags?.includes('v2'))
  const all = await ecr.send(new DescribeImagesCommand({ repositoryName: 'ecr-ssm-deploy/app' }))
  const tags = (all.imageDetails ?? []).flatMap((d) => d.imageTags ?? [])
  for (const tag of ['v1', 'v2', 'unhealthy', 'crash', 'noterm', 'big'])
    t.ok(tags.includes(tag), `lists ${tag}`)
  await t.rejects(
    ecr.send(
      new DescribeImagesCommand({ repositoryName: 'ecr-ssm-deploy/other', imageIds: [{ imageTag: 'v2' }] }),
    ),
    { name: 'ImageNotFoundException' },
  )
  await t.rejects(ecr.send(new DescribeImagesCommand({ repositoryName: 'ecr-ssm-deploy/nothing' })), {
    name: 'RepositoryNotFoundException',
  })
})

t.test('BatchGetImage returns the stored manifest; DescribeRepositories the catalog', async (t) => {
  const ecr = await start(t)
  const v1 = ground.images.v1
  const out = await ecr.send(
    new BatchGetImageCommand({ repositoryName: v1.repository, imageIds: [{ imageTag: v1.tag }] }),
  )
  const image = out.images?.[0]
  t.equal(image?.imageId?.imageDigest, v1.digest)
  t.match(image?.imageManifestMediaType, /manifest/)
  t.ok(JSON.parse(image?.imageManifest ?? '{}').layers?.length > 0, 'a real image manifest')
  const repos = await ecr.send(new DescribeRepositoriesCommand({}))
  const names = repos.repositories?.map((r) => r.repositoryName) ?? []
  t.ok(names.includes('ecr-ssm-deploy/app') && names.includes('ecr-ssm-deploy/other'), names.join(','))
})
