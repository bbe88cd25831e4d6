import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr'
import t, { type Test } from 'tap'
import { testKeys } from '../ground/fake-aws/test-clients.ts'
import { loadGround } from '../ground/ground.ts'
import { fleetStub, stubInstanceEnv } from '../support/fleet-stub.ts'
import { installDeployDocument, startFakeOnGround } from '../support/ground-aws.ts'
import { runController } from '../support/run-controller.ts'

/*
 * The registry side of a deploy, through the CLI against the fake ECR over the ground's registry: the
 * deployed tags, a rollback refused for an archived image, and the scan gate.
 */

const ground = loadGround()
// Each subtest starts its own fake AWS and stand-in fleet and spends most of its time waiting on SSM (the
// invocations it shows only after a moment, the controller's polls between reads): they run side by side.
t.jobs = 4
const repo = ground.images.v1.repository

async function setup(t: Test) {
  const aws = await startFakeOnGround(ground)
  t.teardown(() => aws.close())
  const stub = await fleetStub(t)
  aws.ssm.addInstance({
    id: 'i-0000000000000000a',
    tags: { Role: 'web' },
    env: stubInstanceEnv(stub, 'i-0000000000000000a', 'ok', ''),
  })
  await installDeployDocument(aws, ground.region)
  const home = await mkdtemp(join(tmpdir(), 'ecr-deploy-reg-'))
  t.teardown(() => rm(home, { recursive: true, force: true }))
  const cli = (...args: string[]) => runController(aws, home, [...args, '--region', ground.region])
  const ecr = new ECRClient({ endpoint: aws.endpoint, region: ground.region, credentials: testKeys() })
  const tagsOf = async (digest: string) => {
    const out = await ecr.send(
      new DescribeImagesCommand({ repositoryName: repo, imageIds: [{ imageDigest: digest }] }),
    )
    return (out.imageDetails?.[0]?.imageTags ?? []).filter((tag) => tag.startsWith('deployed-')).sort()
  }
  // Release versions only: the deploy lock is a parameter of its own, outside /ecr-deploy/.
  const versions = () =>
    aws.calls.filter((c) => c.operation === 'PutParameter' && String(c.input.Name).startsWith('/ecr-deploy/'))
      .length
  return { aws, stub, cli, tagsOf, versions }
}

const fleet = ['--environment', 'prod', '--service', 'web', '--targets', 'tag:Role=web', '--timeout', '60']

t.test('each stable release tags its digest; the oldest beyond --keep-deployed lose theirs', async (t) => {
  const { cli, tagsOf } = await setup(t)
  t.equal((await cli('deploy', ...fleet, '--image', ground.images.v1.uri)).code, 0)
  const second = await cli('deploy', ...fleet, '--image', ground.images.v2.uri)
  t.equal(second.code, 0, second.stderr)
  t.match(second.stderr, `as deployed-prod.web.4`)
  t.strictSame(await tagsOf(ground.images.v1.digest), ['deployed-prod.web.2'])
  t.strictSame(await tagsOf(ground.images.v2.digest), ['deployed-prod.web.4'])
  const third = await cli('deploy', ...fleet, '--keep-deployed', '2', '--image', ground.images.v1.uri)
  t.equal(third.code, 0, third.stderr)
  t.match(third.stderr, 'removed 1 older tag(s) beyond the last 2')
  t.strictSame(
    await tagsOf(ground.images.v1.digest),
    ['deployed-prod.web.6'],
    'version 2 went, version 6 came',
  )
  t.strictSame(await tagsOf(ground.images.v2.digest), ['deployed-prod.web.4'])
  const dry = await cli('setup', 'lifecycle', '--repository', repo, '--keep', '1', '--dry-run')
  t.equal(dry.code, 0, dry.stderr)
  const protects = dry.stdout.split('\n').filter((line) => line.includes('deployed-prod.web.'))
  t.strictSame(
    protects.map((line) => line.trim()).sort(),
    [
      `${ground.images.v1.digest}  deployed-prod.web.6`,
      `${ground.images.v2.digest}  deployed-prod.web.4`,
    ].sort(),
  )
  t.match(dry.stdout, 'protects 2 deployed image(s) from every other rule:')
})

t.test('rollback to an archived image is refused with exit 2, nothing written or sent', async (t) => {
  const { aws, stub, cli, versions } = await setup(t)
  t.equal((await cli('deploy', ...fleet, '--image', ground.images.v1.uri)).code, 0)
  t.equal((await cli('deploy', ...fleet, '--image', ground.images.v2.uri)).code, 0)
  aws.ecr.setImageStatus(repo, ground.images.v1.digest, 'ARCHIVED')
  const written = versions()
  const sent = (await stub.calls()).length
  const back = await cli('rollback', ...fleet)
  t.equal(back.code, 2, back.stderr)
  t.match(
    back.stderr,
    /^error \[E_IMAGE_UNAVAILABLE\]: rollback to version 2 of \/ecr-deploy\/prod\/web: .* is archived in ECR/,
  )
  t.equal(versions(), written, 'no version written')
  t.equal((await stub.calls()).length, sent, 'no command sent')
})

t.test('deploy --max-severity refuses findings, no scan, and a slow scan; nothing is written', async (t) => {
  const { aws, cli, versions } = await setup(t)
  const digest = ground.images.v1.digest
  const gated = (...more: string[]) =>
    cli('deploy', ...fleet, '--image', ground.images.v1.uri, '--max-severity', 'HIGH', ...more)

  const unscanned = await gated()
  t.equal(unscanned.code, 8)
  t.match(unscanned.stderr, /error \[E_SCAN_REFUSED\]: .*: ECR has no scan of this image/)
  t.equal(versions(), 0)

  aws.ecr.setScan(repo, digest, {
    status: 'COMPLETE',
    completedAt: Date.now(),
    findings: [
      {
        name: 'CVE-2026-1111',
        severity: 'CRITICAL',
        attributes: [{ key: 'package_name', value: 'openssl' }],
      },
      { name: 'CVE-2026-2222', severity: 'LOW' },
    ],
  })
  const refused = await gated()
  t.equal(refused.code, 8, refused.stderr)
  t.match(
    refused.stderr,
    'has 1 finding(s) at or above HIGH; nothing was deployed:\n  CRITICAL CVE-2026-1111 in openssl\n',
  )
  t.equal(versions(), 0)

  aws.ecr.setScan(repo, digest, { status: 'IN_PROGRESS' })
  const slow = await gated('--scan-timeout', '0')
  t.equal(slow.code, 8)
  t.match(slow.stderr, 'the scan is IN_PROGRESS after 0 s (--scan-timeout)')

  aws.ecr.setScan(repo, digest, {
    status: 'ACTIVE',
    completedAt: Date.now(),
    enhancedFindings: [{ title: 'CVE-2026-3333 - zlib', severity: 'MEDIUM', status: 'ACTIVE' }],
  })
  const passed = await gated()
  t.equal(passed.code, 0, passed.stderr)
  t.match(passed.stderr, 'no finding at or above HIGH (1 finding(s) below it)')
  t.equal(versions(), 2, 'rolling, then stable')
})
