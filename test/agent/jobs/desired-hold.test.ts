import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { holdDesiredOnRollback } from '../../../agent/jobs/desired-hold.ts'
import { FileHoldStore } from '../../../agent/state/hold-store.ts'
import { AwsError, HealthFailedError, PullFailedError } from '../../../shared/errors.ts'
import { DIGEST_1, DIGEST_2, FakeDeployer, IMAGE_REPO, release } from '../../support/fake-deployer.ts'

const NOW = new Date('2026-03-01T10:00:00.000Z')
const PINNED_1 = `${IMAGE_REPO}@${DIGEST_1}`
const PINNED_2 = `${IMAGE_REPO}@${DIGEST_2}`

/** The fake rolls back from r2 (DIGEST_2) to r1 (DIGEST_1); a deploy reports r2 (DIGEST_2) running. */
function setup(t: Test, find: (name: string) => Promise<string | undefined>) {
  const dir = mkdtempSync(join(tmpdir(), 'agent-holds-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const inner = new FakeDeployer()
  const warnings: string[] = []
  const deployer = holdDesiredOnRollback(inner, {
    holds: new FileHoldStore(dir),
    source: { find },
    warn: (message) => warnings.push(message),
    now: () => NOW,
  })
  // Read through a second store, as a restarted daemon would.
  return { inner, deployer, warnings, holds: new FileHoldStore(dir) }
}

t.test('a manual rollback holds the digest the parameter names, on disk', async (t) => {
  const asked: string[] = []
  const { deployer, holds, warnings } = setup(t, async (name) => {
    asked.push(name)
    return PINNED_2
  })
  const outcome = await deployer.rollback({ service: 'web' })
  t.equal(outcome.result, 'rolled-back', 'the rollback outcome is passed through')
  t.strictSame(asked, ['/ecr-deploy/web'])
  t.strictSame(await holds.read('web'), {
    service: 'web',
    digest: DIGEST_2,
    reason: 'manual rollback to r1',
    since: NOW.toISOString(),
  })
  t.strictSame(warnings, [])
})

t.test('no hold when the parameter is absent or already names the restored digest', async (t) => {
  for (const value of [undefined, PINNED_1]) {
    const { deployer, holds } = setup(t, async () => value)
    await deployer.rollback({ service: 'web' })
    t.equal(await holds.read('web'), undefined, `parameter ${value ?? 'absent'}`)
  }
})

t.test('an unreadable parameter holds the digest rolled back from', async (t) => {
  const { deployer, holds } = setup(t, async () => {
    throw new AwsError('SSM unreachable')
  })
  await deployer.rollback({ service: 'web' })
  t.equal((await holds.read('web'))?.digest, DIGEST_2)
})

t.test('a deploy that failed its health check holds its digest; other failures do not', async (t) => {
  const { inner, deployer, holds } = setup(t, async () => undefined)
  inner.onDeploy = async () => {
    throw new PullFailedError('registry down')
  }
  await t.rejects(deployer.deploy({ service: 'web', image: PINNED_1 }), PullFailedError)
  t.equal(await holds.read('web'), undefined, 'a pull may work next time')
  inner.onDeploy = async () => {
    throw new HealthFailedError('unhealthy; r2 restored')
  }
  await t.rejects(deployer.deploy({ service: 'web', image: PINNED_1 }), HealthFailedError)
  t.strictSame(await holds.read('web'), {
    service: 'web',
    digest: DIGEST_1,
    reason: 'deploy failed its health check [E_HEALTH_FAILED]',
    since: NOW.toISOString(),
  })
})

t.test('deploying the held digest by hand releases the hold; another digest leaves it', async (t) => {
  const { deployer, holds } = setup(t, async () => undefined)
  const hold = { service: 'web', digest: DIGEST_2, reason: 'manual rollback to r1', since: 'then' }
  await holds.write({ ...hold, digest: `sha256:${'9'.repeat(64)}` })
  await deployer.deploy({ service: 'web', image: PINNED_2 })
  t.ok(await holds.read('web'), 'the fake deployed DIGEST_2, not the held digest')
  await holds.write(hold)
  await deployer.deploy({ service: 'web', image: PINNED_2 })
  t.equal(await holds.read('web'), undefined)
})

t.test('a hold that cannot be written is reported and the outcome stands', async (t) => {
  const { inner, warnings } = setup(t, async () => PINNED_2)
  const deployer = holdDesiredOnRollback(inner, {
    holds: {
      read: async () => undefined,
      write: async () => {
        throw new Error('disk full')
      },
      release: async () => undefined,
    },
    source: { find: async () => PINNED_2 },
    warn: (message) => warnings.push(message),
  })
  t.equal((await deployer.rollback({ service: 'web' })).result, 'rolled-back')
  t.strictSame(warnings, ['web: the desired-state hold was not updated: disk full'])
})

t.test('a rollback from a release holds that release, spec included, without reading anything', async (t) => {
  const { inner, deployer, holds } = setup(t, async () => t.fail('the old parameter is not read') as never)
  const from = { ...release('r2', DIGEST_2), release: '/ecr-deploy/prod/web:5', spec: { env: { MODE: 'b' } } }
  inner.onRollback = async (request) => ({
    service: request.service,
    result: 'rolled-back',
    release: { ...release('r3', DIGEST_1, 'rolled-back'), release: '/ecr-deploy/prod/web:4', spec: {} },
    previous: from,
    durationMs: 1,
    message: 'rolled back',
  })
  await deployer.rollback({ service: 'web' })
  t.strictSame(await holds.read('web'), {
    service: 'web',
    digest: DIGEST_2,
    spec: { env: { MODE: 'b' } },
    release: '/ecr-deploy/prod/web:5',
    reason: 'manual rollback to r3',
    since: NOW.toISOString(),
  })
  const ref = { selector: '/ecr-deploy/prod/web:6', spec: { env: { MODE: 'b' } } }
  await deployer.deploy({ service: 'web', image: PINNED_2, release: ref })
  t.equal(await holds.read('web'), undefined, 'deploying the held release by hand releases the hold')
})

t.test('a release that failed its health check is held with its spec', async (t) => {
  const { inner, deployer, holds } = setup(t, async () => undefined)
  inner.onDeploy = async () => {
    throw new HealthFailedError('unhealthy; r2 restored')
  }
  const ref = { selector: '/ecr-deploy/prod/web:5', spec: { env: { MODE: 'b' } } }
  await t.rejects(deployer.deploy({ service: 'web', image: PINNED_1, release: ref }), HealthFailedError)
  t.match(await holds.read('web'), {
    digest: DIGEST_1,
    spec: { env: { MODE: 'b' } },
    release: '/ecr-deploy/prod/web:5',
  })
})

t.test('the service reads as deploying until the hold of a rollback is written', async (t) => {
  let found: (image: string) => void = () => undefined
  const { deployer, holds } = setup(
    t,
    () =>
      new Promise<string>((resolve) => {
        found = resolve
      }),
  )
  const rollback = deployer.rollback({ service: 'web' })
  // The rollback itself is over (the fake returns at once); its hold is not written yet.
  await new Promise((resolve) => setImmediate(resolve))
  const [during] = await deployer.status('web')
  t.equal(during?.state, 'deploying', 'the desired-state job must not act before the hold is on disk')
  found(PINNED_2)
  await rollback
  t.match(await holds.read('web'), { digest: DIGEST_2 })
  const [after] = await deployer.status('web')
  t.not(after?.state, 'deploying', 'and reads as usual once it is')
})
