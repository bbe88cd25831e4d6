import { ECRClient } from '@aws-sdk/client-ecr'
import t from 'tap'
import { EcrImageRetention } from '../../../controller/ecr/retention.ts'
import { parseImageRef } from '../../../shared/image-ref.ts'
import { awsCli } from './aws-cli-runner.ts'
import { MemoryRegistryContents } from './index.ts'
import { fakeWithSsm, testKeys } from './test-clients.ts'

const MANIFEST = JSON.stringify({ schemaVersion: 2, config: { size: 10 }, layers: [{ size: 90 }] })

// The real AWS CLI v2 must accept the fake's answers to the calls of the scan gate and the deployed tags.
t.test(
  'the real AWS CLI accepts PutImage, BatchDeleteImage and DescribeImageScanFindings answers',
  async (t) => {
    const contents = new MemoryRegistryContents()
    const digest = contents.push('team/app', 'v1', MANIFEST)
    const { aws } = await fakeWithSsm(t, { contents })
    const cli = await awsCli(t, aws.endpoint)

    const got = await cli.json(
      'ecr',
      'batch-get-image',
      '--repository-name',
      'team/app',
      '--image-ids',
      `imageDigest=${digest}`,
    )
    const manifest = (got.images as { imageManifest: string }[])[0]?.imageManifest ?? ''
    t.equal(manifest, MANIFEST)
    const put = await cli.json(
      'ecr',
      'put-image',
      '--repository-name',
      'team/app',
      '--image-manifest',
      manifest,
      '--image-digest',
      digest,
      '--image-tag',
      'deployed-prod.web.2',
    )
    t.match(put.image, {
      imageId: { imageDigest: digest, imageTag: 'deployed-prod.web.2' },
      repositoryName: 'team/app',
    })
    const again = await cli.fail(
      'ecr',
      'put-image',
      '--repository-name',
      'team/app',
      '--image-manifest',
      manifest,
      '--image-tag',
      'deployed-prod.web.2',
    )
    t.match(again?.stderr, /ImageAlreadyExistsException/)
    const listed = await cli.json('ecr', 'describe-images', '--repository-name', 'team/app')
    t.match(listed.imageDetails, [{ imageDigest: digest, imageTags: ['deployed-prod.web.2', 'v1'] }])

    const removed = await cli.json(
      'ecr',
      'batch-delete-image',
      '--repository-name',
      'team/app',
      '--image-ids',
      'imageTag=deployed-prod.web.2',
      'imageTag=deployed-prod.web.1',
    )
    t.strictSame(removed.imageIds, [{ imageDigest: digest, imageTag: 'deployed-prod.web.2' }])
    t.match(removed.failures, [
      { imageId: { imageTag: 'deployed-prod.web.1' }, failureCode: 'ImageNotFound' },
    ])
    t.match(
      (await cli.json('ecr', 'describe-images', '--repository-name', 'team/app')).imageDetails,
      [{ imageTags: ['v1'] }],
      'only the tag went: the image has another',
    )
    aws.ecr.setImageStatus('team/app', digest, 'ARCHIVED')
    const archived = await cli.json(
      'ecr',
      'describe-images',
      '--repository-name',
      'team/app',
      '--image-ids',
      `imageDigest=${digest}`,
    )
    // This CLI (2.9) predates ECR's archive and drops imageStatus from what it shows; it must still accept the
    // answer. The SDK, whose model has the field, reads it: see the adapter's check below.
    t.match(archived.imageDetails, [{ imageDigest: digest }])
    const retention = new EcrImageRetention(
      new ECRClient({ endpoint: aws.endpoint, region: 'us-east-1', credentials: testKeys() }),
    )
    const ref = parseImageRef(`123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app@${digest}`)
    t.equal(await retention.availability(ref), 'archived')
    const active = await cli.json('ecr', 'describe-images', '--repository-name', 'team/app')
    t.strictSame(active.imageDetails, [], 'without a filter only ACTIVE images are listed')
    aws.ecr.setImageStatus('team/app', digest, 'ACTIVE')
    // Its last tag gone, the image itself is deleted, as BatchDeleteImage documents.
    await cli.json('ecr', 'batch-delete-image', '--repository-name', 'team/app', '--image-ids', 'imageTag=v1')
    const gone = await cli.fail(
      'ecr',
      'describe-images',
      '--repository-name',
      'team/app',
      '--image-ids',
      `imageDigest=${digest}`,
    )
    t.match(gone?.stderr, /ImageNotFoundException/)
  },
)

t.test('the real AWS CLI reads basic and enhanced scan findings, paged, and the no-scan error', async (t) => {
  const contents = new MemoryRegistryContents()
  const digest = contents.push('team/app', 'v1', MANIFEST)
  const { aws } = await fakeWithSsm(t, { contents })
  const cli = await awsCli(t, aws.endpoint)
  const findings = (digestId: string, ...more: string[]) =>
    cli.json(
      'ecr',
      'describe-image-scan-findings',
      '--repository-name',
      'team/app',
      '--image-id',
      `imageDigest=${digestId}`,
      ...more,
    )

  const none = await cli.fail(
    'ecr',
    'describe-image-scan-findings',
    '--repository-name',
    'team/app',
    '--image-id',
    `imageDigest=${digest}`,
  )
  t.match(none?.stderr, /ScanNotFoundException/)

  aws.ecr.setScan('team/app', digest, { status: 'IN_PROGRESS' })
  const running = await findings(digest)
  t.match(running.imageScanStatus, { status: 'IN_PROGRESS' })
  // The CLI's paginator fills in empty result lists itself; a running scan has no completion time.
  t.notOk((running.imageScanFindings as { imageScanCompletedAt?: unknown } | undefined)?.imageScanCompletedAt)

  aws.ecr.setScan('team/app', digest, {
    status: 'COMPLETE',
    completedAt: Date.UTC(2026, 0, 2),
    findings: [
      {
        name: 'CVE-2026-0001',
        severity: 'HIGH',
        uri: 'https://cve.example/1',
        attributes: [{ key: 'package_name', value: 'openssl' }],
      },
      { name: 'CVE-2026-0002', severity: 'LOW' },
    ],
  })
  // The CLI follows nextToken itself: a page size of 1 still gives both findings.
  const basic = await findings(digest, '--page-size', '1')
  t.match(basic.imageScanStatus, { status: 'COMPLETE' })
  t.match(basic.imageScanFindings, {
    findingSeverityCounts: { HIGH: 1, LOW: 1 },
    findings: [
      { name: 'CVE-2026-0001', severity: 'HIGH', attributes: [{ key: 'package_name', value: 'openssl' }] },
      { name: 'CVE-2026-0002' },
    ],
  })

  aws.ecr.setScan('team/app', digest, {
    status: 'ACTIVE',
    completedAt: Date.UTC(2026, 0, 2),
    enhancedFindings: [
      {
        title: 'CVE-2026-0003 - glibc',
        severity: 'CRITICAL',
        status: 'ACTIVE',
        packageVulnerabilityDetails: {
          vulnerabilityId: 'CVE-2026-0003',
          vulnerablePackages: [{ name: 'glibc', version: '2.36' }],
        },
      },
    ],
  })
  const enhanced = await findings(digest)
  t.match(enhanced.imageScanStatus, { status: 'ACTIVE' })
  t.match(enhanced.imageScanFindings, {
    enhancedFindings: [
      { severity: 'CRITICAL', packageVulnerabilityDetails: { vulnerabilityId: 'CVE-2026-0003' } },
    ],
  })
})
