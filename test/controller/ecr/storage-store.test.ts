import { ECRClient } from '@aws-sdk/client-ecr'
import t, { type Test } from 'tap'
import { manifestBlobs } from '../../../controller/ecr/manifest-blobs.ts'
import { EcrImageStorage } from '../../../controller/ecr/storage-store.ts'
import { AwsError } from '../../../shared/errors.ts'
import { MemoryRegistryContents, startFakeAws } from '../../ground/fake-aws/index.ts'
import { testKeys } from '../../ground/fake-aws/test-clients.ts'

// The ECR adapter of `ecr-deploy cost` against the fake ECR over in-memory registry contents: no ground.
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json'
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
const d = (c: string) => `sha256:${c.repeat(64)}`
const image = (config: string, layers: [string, number][]) =>
  JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: d(config), size: 10 },
    layers: layers.map(([c, size]) => ({
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      digest: d(c),
      size,
    })),
  })

async function start(t: Test, contents: MemoryRegistryContents) {
  const aws = await startFakeAws({ contents })
  t.teardown(() => aws.close())
  const slept: number[] = []
  let clock = 0
  const storage = new EcrImageStorage(
    new ECRClient({ endpoint: aws.endpoint, region: 'us-east-1', credentials: testKeys() }),
    {
      sleep: async (ms) => {
        slept.push(ms)
        clock += ms
      },
      now: () => clock,
      timeoutMs: 5000,
      intervalMs: 1000,
    },
  )
  return { aws, storage, slept }
}

t.test('an index is sized by its children: each platform’s config and layers', async (t) => {
  const contents = new MemoryRegistryContents()
  const amd = contents.push(
    'team/app',
    'amd64',
    image('a', [
      ['1', 100],
      ['2', 200],
    ]),
    OCI_MANIFEST,
  )
  const arm = contents.push(
    'team/app',
    'arm64',
    image('b', [
      ['1', 100],
      ['3', 300],
    ]),
    OCI_MANIFEST,
  )
  const index = contents.push(
    'team/app',
    'v1',
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [
        { mediaType: OCI_MANIFEST, digest: amd, size: 1, platform: { os: 'linux', architecture: 'amd64' } },
        { mediaType: OCI_MANIFEST, digest: arm, size: 1, platform: { os: 'linux', architecture: 'arm64' } },
      ],
    }),
    OCI_INDEX,
  )
  const { storage } = await start(t, contents)
  const blobs = await storage.blobs('team/app', [index, amd])
  t.same(blobs.get(index), [
    { digest: d('a'), sizeBytes: 10 },
    { digest: d('1'), sizeBytes: 100 },
    { digest: d('2'), sizeBytes: 200 },
    { digest: d('b'), sizeBytes: 10 },
    { digest: d('1'), sizeBytes: 100 },
    { digest: d('3'), sizeBytes: 300 },
  ])
  t.same(
    blobs.get(amd)?.map((b) => b.digest),
    [d('a'), d('1'), d('2')],
  )
  t.same(await storage.repositories(), ['team/app'])
})

t.test("ECR's preview is polled while IN_PROGRESS, with the sleep it was given", async (t) => {
  const contents = new MemoryRegistryContents()
  for (const tag of ['v1', 'v2', 'v3'])
    contents.push('team/app', tag, image(tag === 'v1' ? 'a' : tag === 'v2' ? 'b' : 'c', [['1', 100]]))
  const { aws, storage, slept } = await start(t, contents)
  const keepOne = JSON.stringify({
    rules: [
      {
        rulePriority: 1,
        description: 'keep the newest image only, for this test',
        selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 },
        action: { type: 'expire' },
      },
    ],
  })
  const expiring = await storage.previewExpiry('team/app', keepOne)
  t.equal(expiring.length, 2)
  t.same(slept, [1000], 'one IN_PROGRESS answer, one wait')
  t.same(
    aws.calls.filter((c) => c.service === 'ecr').map((c) => c.operation),
    ['StartLifecyclePolicyPreview', 'GetLifecyclePolicyPreview', 'GetLifecyclePolicyPreview'],
  )
  t.equal(await storage.policy('team/app'), undefined)
})

t.test('a manifest the calculator cannot size is refused, naming it', async (t) => {
  t.same(manifestBlobs(image('a', [['1', 5]]), 'x'), {
    kind: 'image',
    blobs: [
      { digest: d('a'), sizeBytes: 10 },
      { digest: d('1'), sizeBytes: 5 },
    ],
  })
  t.throws(
    () => manifestBlobs('{"schemaVersion":1,"fsLayers":[]}', 'team/app@sha256:x'),
    new AwsError(
      'team/app@sha256:x: the manifest names neither a config and layers nor child manifests (schema 1 or an unknown media type): ecr-deploy cost cannot size it',
    ),
  )
  t.throws(() => manifestBlobs('not json', 'team/app@sha256:x'), /is not JSON/)
})
