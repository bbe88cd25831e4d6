import t from 'tap'
import { decideDesired, needsReplaced, type RunningRelease } from '../../../agent/jobs/desired-decision.ts'
import type { DesiredRelease, ReleaseVersion, RolloutState } from '../../../shared/release.ts'

/*
 * Rule 4 of the rollout, state by state: the job acts on stable releases; during a rollout it touches only
 * an instance that runs no release of the service (which gets the stable release the new one replaces);
 * an aborted rollout converges back to the stable release it replaced.
 */

const REPO = '123456789012.dkr.ecr.us-east-1.amazonaws.com/web'
const D1 = `sha256:${'1'.repeat(64)}`
const D2 = `sha256:${'2'.repeat(64)}`
const image = (digest: string) => `${REPO}@${digest}`

function version(
  n: number,
  state: RolloutState,
  digest: string,
  extra: Partial<DesiredRelease> = {},
): ReleaseVersion {
  return {
    version: n,
    release: {
      format: 1,
      environment: 'prod',
      service: 'web',
      image: image(digest),
      spec: { env: { MODE: 'a' } },
      state,
      origin: { actor: 'octocat', createdAt: '2026-12-01T12:00:00.000Z' },
      ...extra,
    },
  }
}

const STABLE_4 = version(4, 'stable', D1)
const ROLLING_5 = version(5, 'rolling', D2, { replaces: { version: 4, image: image(D1) } })
const ABORTED_6 = version(6, 'aborted', D2, { replaces: { version: 4, image: image(D1) } })
const running = (digest: string, spec: DesiredRelease['spec'] = { env: { MODE: 'a' } }): RunningRelease => ({
  digest,
  spec,
})

t.test('stable: converge when the digest or the spec differs, else nothing', async (t) => {
  t.strictSame(decideDesired({ latest: STABLE_4, current: running(D2) }), {
    kind: 'deploy',
    target: STABLE_4,
    reason: '/ecr-deploy/prod/web:4 is stable',
    releaseHold: false,
  })
  t.strictSame(decideDesired({ latest: STABLE_4 }), {
    kind: 'deploy',
    target: STABLE_4,
    reason: '/ecr-deploy/prod/web:4 is stable',
    releaseHold: false,
  })
  t.equal(decideDesired({ latest: STABLE_4, current: running(D1, { env: { MODE: 'b' } }) }).kind, 'deploy')
  t.strictSame(decideDesired({ latest: STABLE_4, current: running(D1) }), {
    kind: 'nothing',
    reason: '/ecr-deploy/prod/web:4 is stable, and this instance runs it',
    releaseHold: false,
  })
  const reordered = version(4, 'stable', D1, { spec: { memory: '1g', env: { MODE: 'a' } } })
  t.equal(
    decideDesired({ latest: reordered, current: running(D1, { env: { MODE: 'a' }, memory: '1g' }) }).kind,
    'nothing',
    'the same spec in another key order is the same release',
  )
})

t.test(
  'rolling: only an instance that runs nothing deploys, and it deploys what the release replaces',
  async (t) => {
    t.strictSame(decideDesired({ latest: ROLLING_5, current: running(D1) }), {
      kind: 'nothing',
      reason:
        '/ecr-deploy/prod/web:5 is rolling: SSM carries it through the fleet, and this instance runs a release already',
      releaseHold: false,
    })
    t.strictSame(
      decideDesired({ latest: ROLLING_5, current: running(D2) }),
      decideDesired({ latest: ROLLING_5, current: running(D1) }),
      'the new release, applied by SSM, is never undone',
    )
    t.ok(needsReplaced(ROLLING_5, undefined))
    t.notOk(needsReplaced(ROLLING_5, running(D1)), 'nothing to read for an instance left alone')
    t.strictSame(decideDesired({ latest: ROLLING_5, replaced: STABLE_4 }), {
      kind: 'deploy',
      target: STABLE_4,
      reason:
        '/ecr-deploy/prod/web:5 is rolling and this instance runs no release: it gets /ecr-deploy/prod/web:4, the stable release it replaces',
      releaseHold: false,
    })
  },
)

t.test('a first release rolling or aborted: nothing stable to run', async (t) => {
  const first = version(1, 'rolling', D2)
  t.notOk(needsReplaced(first, undefined))
  t.strictSame(decideDesired({ latest: first }), {
    kind: 'nothing',
    reason:
      '/ecr-deploy/prod/web:1 is rolling and replaces no stable release: there is nothing stable to run yet',
    releaseHold: false,
  })
  t.strictSame(decideDesired({ latest: version(2, 'aborted', D2) }), {
    kind: 'nothing',
    reason:
      '/ecr-deploy/prod/web:2 is aborted and replaces no stable release: there is nothing stable to run yet',
    releaseHold: false,
  })
})

t.test('aborted: back to the stable release it replaces', async (t) => {
  t.ok(needsReplaced(ABORTED_6, running(D2)))
  t.strictSame(decideDesired({ latest: ABORTED_6, replaced: STABLE_4, current: running(D2) }), {
    kind: 'deploy',
    target: STABLE_4,
    reason:
      '/ecr-deploy/prod/web:6 was aborted: back to /ecr-deploy/prod/web:4, the stable release it replaces',
    releaseHold: false,
  })
  t.strictSame(decideDesired({ latest: ABORTED_6, replaced: STABLE_4, current: running(D1) }), {
    kind: 'nothing',
    reason:
      '/ecr-deploy/prod/web:6 was aborted: back to /ecr-deploy/prod/web:4, the stable release it replaces, and this instance runs it',
    releaseHold: false,
  })
  t.strictSame(decideDesired({ latest: ABORTED_6, current: running(D2) }), {
    kind: 'nothing',
    reason: '/ecr-deploy/prod/web:6 is aborted, and the release it replaces was not read',
    releaseHold: false,
  })
})

t.test('a held release is left alone until the release changes', async (t) => {
  const hold = { digest: D1, spec: { env: { MODE: 'a' } }, since: 'then', reason: 'manual rollback to r3' }
  t.strictSame(decideDesired({ latest: STABLE_4, current: running(D2), hold }), {
    kind: 'nothing',
    reason: '/ecr-deploy/prod/web:4 is stable, but it is on hold since then (manual rollback to r3)',
    releaseHold: false,
    held: true,
  })
  const respecced = version(7, 'stable', D1, { spec: { env: { MODE: 'fixed' } } })
  t.strictSame(
    decideDesired({ latest: respecced, current: running(D2), hold }),
    {
      kind: 'deploy',
      target: respecced,
      reason: '/ecr-deploy/prod/web:7 is stable',
      releaseHold: true,
    },
    'the same digest with another spec is another release: the hold has done its job',
  )
  t.strictSame(decideDesired({ latest: version(8, 'stable', D2), current: running(D2), hold }), {
    kind: 'nothing',
    reason: '/ecr-deploy/prod/web:8 is stable, and this instance runs it',
    releaseHold: true,
  })
  const bare = { digest: D1, since: 'then', reason: 'deploy failed' }
  t.equal(
    decideDesired({ latest: version(9, 'stable', D1, { spec: {} }), hold: bare }).kind,
    'nothing',
    'a hold of a bare image holds a release of that digest with an empty spec',
  )
})
