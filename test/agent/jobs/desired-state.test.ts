import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { desiredStateJob } from '../../../agent/jobs/desired-state.ts'
import { FileHoldStore } from '../../../agent/state/hold-store.ts'
import { HealthFailedError } from '../../../shared/errors.ts'
import type { DesiredRelease, RolloutState } from '../../../shared/release.ts'
import { DIGEST_1, DIGEST_2, FakeDeployer, IMAGE_REPO, release } from '../../support/fake-deployer.ts'
import { FakeReleases } from '../../support/fake-releases.ts'

/*
 * The desired-state job on the release layout: it reads the newest version of /ecr-deploy/<env>/<service>,
 * reads the release it replaces only when the decision needs it, and deploys by release (image and spec).
 */

const NOW = new Date('2026-03-01T10:00:00.000Z')
const PINNED_1 = `${IMAGE_REPO}@${DIGEST_1}`
const PINNED_2 = `${IMAGE_REPO}@${DIGEST_2}`

function record(state: RolloutState, image: string, extra: Partial<DesiredRelease> = {}): DesiredRelease {
  return {
    format: 1,
    environment: 'prod',
    service: 'web',
    image,
    spec: { env: { MODE: 'x' } },
    state,
    origin: { actor: 'octocat', createdAt: '2026-12-01T12:00:00.000Z' },
    ...extra,
  }
}

/** The fake deployer runs r2 (DIGEST_2, no spec) unless told otherwise. */
function setup(t: Test) {
  const dir = mkdtempSync(join(tmpdir(), 'agent-holds-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const deployer = new FakeDeployer()
  const releases = new FakeReleases()
  const legacy: Record<string, string> = {}
  const warnings: string[] = []
  const holds = new FileHoldStore(dir)
  const run = desiredStateJob({
    deployer,
    releases,
    source: { find: async (name) => legacy[name] },
    holds,
    services: () => ['web'],
    environment: () => 'prod',
    warn: (message) => warnings.push(message),
    now: () => NOW,
  })
  const deploys = () => deployer.calls.filter((call) => call.method === 'deploy')
  return { deployer, releases, legacy, warnings, holds, run, deploys }
}

t.test('stable: deploys it by release when this instance runs something else', async (t) => {
  const { releases, run, deploys } = setup(t)
  releases.put('prod', 'web', record('stable', PINNED_1))
  t.strictSame((await run()).actions, [
    `web: deployed /ecr-deploy/prod/web:1 (${PINNED_1}): /ecr-deploy/prod/web:1 is stable`,
  ])
  t.strictSame(deploys(), [
    {
      method: 'deploy',
      service: 'web',
      image: PINNED_1,
      wait: false,
      release: { selector: '/ecr-deploy/prod/web:1', spec: { env: { MODE: 'x' } } },
    },
  ])
  t.strictSame(releases.reads, ['/ecr-deploy/prod/web'], 'one read of the newest version, nothing more')
})

t.test('rolling: an instance running a release is left alone and reads nothing more', async (t) => {
  const { releases, run, deploys } = setup(t)
  releases.put('prod', 'web', record('stable', PINNED_1))
  releases.put('prod', 'web', record('rolling', PINNED_2, { replaces: { version: 1, image: PINNED_1 } }))
  t.strictSame((await run()).actions, [])
  t.strictSame(deploys(), [])
  t.strictSame(releases.reads, ['/ecr-deploy/prod/web'])
})

t.test('rolling: an instance that runs nothing gets the stable release it replaces', async (t) => {
  const { deployer, releases, run, deploys } = setup(t)
  deployer.onStatus = async () => [{ service: 'web', state: 'not-deployed', healthy: null }]
  releases.put('prod', 'web', record('stable', PINNED_1, { spec: { env: { MODE: 'old' } } }))
  releases.put('prod', 'web', record('rolling', PINNED_2, { replaces: { version: 1, image: PINNED_1 } }))
  t.match((await run()).actions, [
    /^web: deployed \/ecr-deploy\/prod\/web:1 .*it gets \/ecr-deploy\/prod\/web:1, the stable release it replaces$/,
  ])
  t.match(deploys(), [
    { image: PINNED_1, release: { selector: '/ecr-deploy/prod/web:1', spec: { env: { MODE: 'old' } } } },
  ])
  t.strictSame(releases.reads, ['/ecr-deploy/prod/web', '/ecr-deploy/prod/web:1'])
})

t.test('aborted: back to the stable release it replaces; not again once there', async (t) => {
  const { deployer, releases, run, deploys } = setup(t)
  releases.put('prod', 'web', record('stable', PINNED_1))
  releases.put('prod', 'web', record('rolling', PINNED_2, { replaces: { version: 1, image: PINNED_1 } }))
  releases.put('prod', 'web', record('aborted', PINNED_2, { replaces: { version: 1, image: PINNED_1 } }))
  t.match((await run()).actions, [
    /^web: deployed \/ecr-deploy\/prod\/web:1 .*\/ecr-deploy\/prod\/web:3 was aborted/,
  ])
  deployer.onStatus = async () => [
    {
      service: 'web',
      state: 'running',
      healthy: true,
      current: {
        ...release('r3', DIGEST_1),
        release: '/ecr-deploy/prod/web:1',
        spec: { env: { MODE: 'x' } },
      },
    },
  ]
  t.strictSame((await run()).actions, [])
  t.equal(deploys().length, 1)
})

t.test('while the newest release stays aborted, each later run reads only the newest version', async (t) => {
  const { deployer, releases, run } = setup(t)
  releases.put('prod', 'web', record('stable', PINNED_1))
  releases.put('prod', 'web', record('aborted', PINNED_2, { replaces: { version: 1, image: PINNED_1 } }))
  await run()
  deployer.onStatus = async () => [
    {
      service: 'web',
      state: 'running',
      healthy: true,
      current: {
        ...release('r3', DIGEST_1),
        release: '/ecr-deploy/prod/web:1',
        spec: { env: { MODE: 'x' } },
      },
    },
  ]
  releases.reads.length = 0
  await run()
  await run()
  // A version's value never changes, so the release it replaces is read once per newest version: a fleet
  // of instances that rolled back does not double its Parameter Store calls for as long as it stays so.
  t.strictSame(releases.reads, ['/ecr-deploy/prod/web', '/ecr-deploy/prod/web'])
  // A newer version is read afresh, and what it replaces with it.
  releases.put('prod', 'web', record('aborted', PINNED_2, { replaces: { version: 1, image: PINNED_1 } }))
  releases.reads.length = 0
  await run()
  t.strictSame(releases.reads, ['/ecr-deploy/prod/web', '/ecr-deploy/prod/web:1'])
})

t.test('a failed deploy holds the release until another is written; warned once', async (t) => {
  const { deployer, releases, run, deploys, holds, warnings } = setup(t)
  releases.put('prod', 'web', record('stable', PINNED_1))
  deployer.onDeploy = async () => {
    throw new HealthFailedError('r3 failed its health check; r2 restored')
  }
  t.strictSame((await run()).actions, [
    'web: deploy of /ecr-deploy/prod/web:1 failed [E_HEALTH_FAILED]: r3 failed its health check; r2 restored',
  ])
  t.strictSame(await holds.read('web'), {
    service: 'web',
    digest: DIGEST_1,
    spec: { env: { MODE: 'x' } },
    release: '/ecr-deploy/prod/web:1',
    reason: 'deploy of /ecr-deploy/prod/web:1 failed [E_HEALTH_FAILED]',
    since: NOW.toISOString(),
  })
  t.strictSame((await run()).actions, [])
  t.strictSame((await run()).actions, [])
  t.equal(deploys().length, 1, 'not retried')
  t.strictSame(warnings, [
    `web: not deploying: /ecr-deploy/prod/web:1 is stable, but it is on hold since ${NOW.toISOString()} (deploy of /ecr-deploy/prod/web:1 failed [E_HEALTH_FAILED]). Write another release to release the hold (or deploy this one by hand).`,
  ])
  deployer.onDeploy = new FakeDeployer().onDeploy
  releases.put('prod', 'web', record('stable', PINNED_1, { spec: { env: { MODE: 'fixed' } } }))
  t.match(
    (await run()).actions,
    [/^web: deployed \/ecr-deploy\/prod\/web:2 /],
    'the same digest with a fixed spec',
  )
  t.equal(await holds.read('web'), undefined, 'the hold is gone')
})

t.test('a deploy under way is not interrupted', async (t) => {
  const { deployer, releases, run, deploys } = setup(t)
  releases.put('prod', 'web', record('stable', PINNED_1))
  deployer.onStatus = async () => [{ service: 'web', state: 'deploying', healthy: null }]
  t.strictSame((await run()).actions, [])
  t.strictSame(deploys(), [])
})

t.test('no release parameter yet: the old bare image, with a warning once', async (t) => {
  const { releases, legacy, run, deploys, warnings } = setup(t)
  legacy['/ecr-deploy/web'] = PINNED_1
  t.strictSame((await run()).actions, [`web: deployed ${PINNED_1} from /ecr-deploy/web`])
  await run()
  t.strictSame(warnings, [
    'web: /ecr-deploy/prod/web does not exist yet, so desired state comes from the old /ecr-deploy/web; deploy with `ecr-deploy deploy --environment prod --service web` to write a release (the old parameter is read for one version only)',
  ])
  t.match(deploys(), [{ image: PINNED_1 }])
  t.notOk('release' in (deploys()[0] ?? {}), 'a bare image runs the file entry alone')
  releases.put('prod', 'web', record('stable', PINNED_2, { spec: {} }))
  t.strictSame((await run()).actions, [], 'once a release exists, the old parameter is not read')
})

t.test('a release written to the wrong parameter is reported, not deployed', async (t) => {
  const { releases, run, deploys } = setup(t)
  releases.put('prod', 'web', record('stable', PINNED_1, { service: 'api' }))
  t.strictSame((await run()).actions, [
    'web: desired state not read [E_RELEASE_INVALID]: release /ecr-deploy/prod/web:1 holds a release of service "api" in environment "prod"; a release lives only in its own parameter; nothing was changed',
  ])
  t.strictSame(deploys(), [])
})
