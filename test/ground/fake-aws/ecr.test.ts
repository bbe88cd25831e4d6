import {
  BatchGetImageCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  GetLifecyclePolicyCommand,
  PutLifecyclePolicyCommand,
} from '@aws-sdk/client-ecr'
import t, { type Test } from 'tap'
import { MemoryRegistryContents, startFakeAws } from './index.ts'

const manifest = (layer: number): string =>
  JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: {
      mediaType: 'application/vnd.docker.container.image.v1+json',
      size: 100,
      digest: `sha256:${'c'.repeat(64)}`,
    },
    layers: [
      {
        mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
        size: layer,
        digest: `sha256:${'d'.repeat(64)}`,
      },
    ],
  })

const setup = async (t: Test) => {
  const contents = new MemoryRegistryContents()
  const v1 = contents.push('team/app', 'v1', manifest(1000))
  contents.push('team/app', 'latest', manifest(1000))
  const v2 = contents.push('team/app', 'v2', manifest(2000))
  contents.push('team/other', 'v1', manifest(3000))
  const aws = await startFakeAws({ contents, registryHost: 'reg.example:443' })
  t.teardown(() => aws.close())
  const ecr = new ECRClient({
    endpoint: aws.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDECRTEST', secretAccessKey: 'test' },
  })
  return { aws, ecr, v1, v2 }
}

const policy = (rules: unknown[]): string => JSON.stringify({ rules }, null, 2)
const keepTen = {
  rulePriority: 1,
  description: 'keep the newest ten release tags',
  selection: { tagStatus: 'tagged', tagPrefixList: ['v'], countType: 'imageCountMoreThan', countNumber: 10 },
  action: { type: 'expire' },
}

t.test('GetAuthorizationToken hands out AWS:<password> for the registry', async (t) => {
  const aws = await startFakeAws({
    contents: new MemoryRegistryContents(),
    registry: { url: 'https://reg.example', user: 'AWS', password: 's3cret' },
  })
  t.teardown(() => aws.close())
  const ecr = new ECRClient({
    endpoint: aws.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDA', secretAccessKey: 'x' },
  })
  const before = Date.now()
  const out = await ecr.send(new GetAuthorizationTokenCommand({}))
  const data = out.authorizationData?.[0]
  t.equal(Buffer.from(data?.authorizationToken ?? '', 'base64').toString(), 'AWS:s3cret')
  t.equal(data?.proxyEndpoint, 'https://reg.example')
  t.ok((data?.expiresAt?.getTime() ?? 0) >= before + 11 * 3600_000, 'expires about 12 hours later')
  t.match(aws.calls.at(-1), { service: 'ecr', operation: 'GetAuthorizationToken', accessKeyId: 'AKIDA' })
})

t.test('DescribeImages groups tags by digest and resolves tags and digests', async (t) => {
  const { ecr, v1, v2 } = await setup(t)
  const all = await ecr.send(new DescribeImagesCommand({ repositoryName: 'team/app' }))
  const byDigest = Object.fromEntries(
    (all.imageDetails ?? []).map((d) => [d.imageDigest, d.imageTags?.sort()]),
  )
  t.same(byDigest, { [v1]: ['latest', 'v1'], [v2]: ['v2'] })
  const one = await ecr.send(
    new DescribeImagesCommand({ repositoryName: 'team/app', imageIds: [{ imageTag: 'v2' }] }),
  )
  t.equal(one.imageDetails?.[0]?.imageDigest, v2)
  t.equal(one.imageDetails?.[0]?.imageSizeInBytes, 2100)
  t.type(one.imageDetails?.[0]?.imagePushedAt, Date)
  const byDigestId = await ecr.send(
    new DescribeImagesCommand({ repositoryName: 'team/app', imageIds: [{ imageDigest: v1 }] }),
  )
  t.same(byDigestId.imageDetails?.[0]?.imageTags?.sort(), ['latest', 'v1'])
  await t.rejects(
    ecr.send(new DescribeImagesCommand({ repositoryName: 'team/app', imageIds: [{ imageTag: 'nope' }] })),
    {
      name: 'ImageNotFoundException',
    },
  )
  await t.rejects(ecr.send(new DescribeImagesCommand({ repositoryName: 'team/missing' })), {
    name: 'RepositoryNotFoundException',
  })
  const paged = await ecr.send(new DescribeImagesCommand({ repositoryName: 'team/app', maxResults: 1 }))
  t.equal(paged.imageDetails?.length, 1)
  t.type(paged.nextToken, 'string')
  const last = await ecr.send(
    new DescribeImagesCommand({ repositoryName: 'team/app', maxResults: 1, nextToken: paged.nextToken }),
  )
  t.equal(last.nextToken, undefined, 'no token on the last page')
})

t.test('BatchGetImage returns manifests and failures', async (t) => {
  const { ecr, v2 } = await setup(t)
  const out = await ecr.send(
    new BatchGetImageCommand({
      repositoryName: 'team/app',
      imageIds: [{ imageTag: 'v2' }, { imageTag: 'gone' }],
    }),
  )
  t.equal(out.images?.[0]?.imageId?.imageDigest, v2)
  t.equal(out.images?.[0]?.imageManifest, manifest(2000))
  t.equal(out.images?.[0]?.imageManifestMediaType, 'application/vnd.docker.distribution.manifest.v2+json')
  t.same(out.failures, [
    {
      imageId: { imageTag: 'gone' },
      failureCode: 'ImageNotFound',
      failureReason: 'Requested image not found',
    },
  ])
})

t.test('DescribeRepositories lists the registry catalog', async (t) => {
  const { ecr } = await setup(t)
  const out = await ecr.send(new DescribeRepositoriesCommand({}))
  t.same(
    out.repositories?.map((r) => r.repositoryName),
    ['team/app', 'team/other'],
  )
  t.equal(out.repositories?.[0]?.repositoryUri, 'reg.example:443/team/app')
  await t.rejects(ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['team/nope'] })), {
    name: 'RepositoryNotFoundException',
  })
})

t.test('lifecycle policies are validated as ECR does and read back', async (t) => {
  const { ecr } = await setup(t)
  await t.rejects(ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'team/app' })), {
    name: 'LifecyclePolicyNotFoundException',
  })
  const text = policy([keepTen])
  const put = await ecr.send(
    new PutLifecyclePolicyCommand({ repositoryName: 'team/app', lifecyclePolicyText: text }),
  )
  t.equal(put.lifecyclePolicyText, text)
  const got = await ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'team/app' }))
  t.equal(got.lifecyclePolicyText, text)
  t.type(got.lastEvaluatedAt, Date)
  const bad: [string, unknown[]][] = [
    [
      'tagged without a prefix list',
      [{ ...keepTen, selection: { ...keepTen.selection, tagPrefixList: undefined } }],
    ],
    [
      'any not last',
      [
        { ...keepTen, rulePriority: 2 },
        { ...keepTen, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 50 } },
      ],
    ],
    ['duplicate priority', [keepTen, { ...keepTen, description: 'another rule with the same priority' }]],
    [
      'days without unit',
      [{ ...keepTen, selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countNumber: 14 } }],
    ],
    ['transition action', [{ ...keepTen, action: { type: 'transition', targetStorageClass: 'archive' } }]],
  ]
  for (const [what, rules] of bad) {
    await t.rejects(
      ecr.send(
        new PutLifecyclePolicyCommand({ repositoryName: 'team/app', lifecyclePolicyText: policy(rules) }),
      ),
      { name: 'InvalidParameterException', message: /Lifecycle policy validation failure/ },
      what,
    )
  }
  await t.rejects(
    ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'team/nope', lifecyclePolicyText: text })),
    {
      name: 'RepositoryNotFoundException',
    },
  )
})
