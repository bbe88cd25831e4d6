import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm'
import t from 'tap'
import type { HistoryEntry } from '../../controller/release-store.ts'
import { rollbackTarget } from '../../controller/rollback.ts'
import { UsageError } from '../../shared/errors.ts'
import { type DesiredRelease, releaseText } from '../../shared/release.ts'
import { startFakeAws } from '../ground/fake-aws/index.ts'
import { testKeys } from '../ground/fake-aws/test-clients.ts'
import { runController } from '../support/run-controller.ts'

const IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/web'
const NAME = '/ecr-deploy/prod/web'
const digest = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`
const release = (n: number, extra: Partial<DesiredRelease> = {}): DesiredRelease => ({
  format: 1,
  environment: 'prod',
  service: 'web',
  image: `${IMAGE}@${digest(n)}`,
  spec: {},
  state: 'stable',
  origin: { actor: 'octocat', createdAt: '2026-03-01T12:00:00.000Z' },
  ...extra,
})
/** Versions `from`..`to` as Parameter Store returns them once it has dropped the older ones. */
const kept = (from: number, to: number): HistoryEntry[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ version: from + i, release: release(from + i) }))

t.test('a version older than the 100 Parameter Store keeps is said to be gone, not unknown', async (t) => {
  const history = kept(51, 150)
  t.throws(
    () => rollbackTarget(history, NAME, '5'),
    new UsageError(
      '--to 5: version 5 is gone: Parameter Store keeps the last 100 versions of a parameter, and this one now holds 51 to 150; ' +
        'roll back to one of those, or deploy the image of version 5 by digest if ECR still has it',
    ),
  )
  t.equal(rollbackTarget(history, NAME, '51').version, 51, 'the oldest kept version is still a target')
})

t.test('a version that never existed, and a digest not in the history, say what can be given', async (t) => {
  t.throws(
    () => rollbackTarget(kept(1, 3), NAME, '7'),
    new UsageError('--to 7: no such release; give a version number (1 to 3) or a recorded sha256 digest'),
  )
  t.throws(
    () => rollbackTarget(kept(51, 150), NAME, digest(5)),
    new UsageError(
      `--to ${digest(5)}: no recorded release has that digest; Parameter Store keeps the last 100 versions (51 to 150), so an older one may have aged out`,
    ),
  )
})

t.test(
  'the default is the release the current stable one replaced, wherever the newest version stands',
  async (t) => {
    const history: HistoryEntry[] = [
      { version: 1, release: release(1, { state: 'rolling' }) },
      { version: 2, release: release(1) },
      {
        version: 3,
        release: release(3, { state: 'rolling', replaces: { version: 2, image: release(1).image } }),
      },
      { version: 4, release: release(3, { replaces: { version: 2, image: release(1).image } }) },
    ]
    t.equal(rollbackTarget(history, NAME).version, 2, 'stable 4 replaced 2')
    const rolling = {
      version: 5,
      release: release(5, { state: 'rolling', replaces: { version: 4, image: release(3).image } }),
    }
    t.equal(
      rollbackTarget([...history, rolling], NAME).version,
      2,
      'while 5 rolls, 4 stands, and 4 replaced 2',
    )
    t.equal(rollbackTarget(history, NAME, digest(3)).version, 4, 'a digest picks its newest version')
    const aborted = { version: 5, release: release(3, { state: 'aborted' as const }) }
    t.equal(
      rollbackTarget([...history, aborted], NAME, digest(3)).version,
      4,
      'a stable version of that digest before an aborted one',
    )
    t.throws(
      () => rollbackTarget(history.slice(0, 2), NAME),
      /version 2 of \/ecr-deploy\/prod\/web is the first stable release/,
    )
    t.throws(
      () => rollbackTarget([], NAME),
      new UsageError('no release is recorded in /ecr-deploy/prod/web: deploy the service first'),
    )
    t.throws(
      () => rollbackTarget(history.slice(0, 1), NAME),
      new UsageError(
        '/ecr-deploy/prod/web has no stable release yet (version 1 is rolling): there is nothing to roll back from',
      ),
    )
  },
)

t.test('through the CLI and the fake SSM, past 100 versions: exit 2, nothing sent', async (t) => {
  const aws = await startFakeAws()
  const home = await mkdtemp(join(tmpdir(), 'rollback-aged-'))
  t.teardown(async () => {
    await aws.close()
    await rm(home, { recursive: true, force: true })
  })
  const ssm = new SSMClient({ endpoint: aws.endpoint, region: 'us-east-1', credentials: testKeys() })
  for (let n = 1; n <= 105; n += 1) {
    await ssm.send(
      new PutParameterCommand({
        Name: NAME,
        Value: releaseText(release(n)),
        Type: 'String',
        Overwrite: true,
      }),
    )
  }
  const run = await runController(aws, home, [
    'rollback',
    '--environment',
    'prod',
    '--service',
    'web',
    '--to',
    '3',
    '--instance-ids',
    'i-0123456789abcdef0',
    '--region',
    'us-east-1',
  ])
  t.equal(run.code, 2, run.stderr)
  t.match(
    run.stderr,
    /--to 3: version 3 is gone: Parameter Store keeps the last 100 versions of a parameter, and this one now holds 6 to 105/,
  )
  t.equal(aws.calls.filter((call) => call.operation === 'SendCommand').length, 0, 'nothing was sent')
})
