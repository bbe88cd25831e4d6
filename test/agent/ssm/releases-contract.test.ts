import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm'
import t, { type Test } from 'tap'
import type { ReleaseSource } from '../../../agent/config/release-source.ts'
import { ParameterStore } from '../../../agent/ssm/parameter-store.ts'
import { type DesiredRelease, releaseText } from '../../../shared/release.ts'
import { startFakeAws } from '../../ground/fake-aws/index.ts'
import { testKeys } from '../../ground/fake-aws/test-clients.ts'
import { FakeReleases } from '../../support/fake-releases.ts'

/*
 * The deploy and job tests read releases through FakeReleases; the agent through ParameterStore. Both
 * answer the same cases the same way here, the adapter over the wire against the fake SSM (which takes
 * `name:version` selectors as AWS does).
 */

const IMAGE = `123456789012.dkr.ecr.us-east-1.amazonaws.com/web@sha256:${'a'.repeat(64)}`
const FIRST: DesiredRelease = {
  format: 1,
  environment: 'prod',
  service: 'web',
  image: IMAGE,
  spec: { env: { MODE: 'one' } },
  state: 'rolling',
  origin: { actor: 'octocat', createdAt: '2026-12-01T12:00:00.000Z' },
}
const VALUES = [releaseText(FIRST), releaseText({ ...FIRST, state: 'stable' }), 'not json']

async function cases(t: Test, releases: ReleaseSource) {
  t.strictSame(await releases.release({ environment: 'prod', service: 'web', version: 1 }), {
    version: 1,
    release: FIRST,
  })
  t.equal(
    (await releases.release({ environment: 'prod', service: 'web', version: 2 })).release.state,
    'stable',
  )
  await t.rejects(releases.latest('prod', 'web'), {
    code: 'E_RELEASE_INVALID',
    message:
      'release /ecr-deploy/prod/web:3 is not a release record: is not JSON (a bare image is the layout before releases were records); write it with `ecr-deploy deploy --environment prod --service web`',
  })
  await t.rejects(releases.release({ environment: 'prod', service: 'web', version: 4 }), {
    code: 'E_RELEASE_INVALID',
    message:
      'release /ecr-deploy/prod/web:4 does not exist (ParameterVersionNotFound): Parameter Store keeps the last 100 versions; see `ecr-deploy history --environment prod --service web`',
  })
  await t.rejects(releases.release({ environment: 'prod', service: 'api', version: 1 }), {
    code: 'E_RELEASE_INVALID',
    message:
      'release /ecr-deploy/prod/api:1 does not exist (ParameterNotFound): Parameter Store keeps the last 100 versions; see `ecr-deploy history --environment prod --service api`',
  })
  t.equal(await releases.latest('prod', 'api'), undefined, 'no parameter: not migrated yet')
}

t.test('the adapter, over the wire against the fake SSM', async (t) => {
  const aws = await startFakeAws()
  t.teardown(() => aws.close())
  const client = new SSMClient({ endpoint: aws.endpoint, region: 'us-east-1', credentials: testKeys() })
  for (const value of VALUES) {
    await client.send(
      new PutParameterCommand({
        Name: '/ecr-deploy/prod/web',
        Value: value,
        Type: 'String',
        Overwrite: true,
      }),
    )
  }
  await cases(t, new ParameterStore(client))
  const reads = aws.calls.filter((call) => call.operation === 'GetParameter')
  t.ok(reads.length > 0)
})

t.test("the tests' stand-in", async (t) => {
  const releases = new FakeReleases()
  for (const value of VALUES) releases.put('prod', 'web', value)
  await cases(t, releases)
})
