import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { desiredStateJob } from '../../../agent/jobs/desired-state.ts'
import { FileHoldStore } from '../../../agent/state/hold-store.ts'
import { AwsAuthError, BusyError, HealthFailedError } from '../../../shared/errors.ts'
import { DIGEST_1, DIGEST_2, FakeDeployer, IMAGE_REPO } from '../../support/fake-deployer.ts'
import { FakeReleases } from '../../support/fake-releases.ts'

/*
 * The old layout, read for one version while instances migrate: a file without an environment (or a
 * service without a release parameter yet) follows the bare image in /ecr-deploy/<service>, as before.
 */

const LEGACY = (service: string) =>
  `${service}: the agent configuration names no environment, so desired state comes from the old /ecr-deploy/${service}; add "environment: <name>" to it to follow /ecr-deploy/<environment>/${service}, where deploys write releases (the old parameter is read for one version only)`

const PINNED_1 = `${IMAGE_REPO}@${DIGEST_1}`
const PINNED_2 = `${IMAGE_REPO}@${DIGEST_2}`

const NOW = new Date('2026-03-01T10:00:00.000Z')

/** A state directory of its own, removed when the test ends. */
function stateDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'agent-holds-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/**
 * The fake deployer's status reports release r2 (DIGEST_2) running for any service. `newJob()` builds
 * another job on the same state directory, as a restarted daemon would.
 */
function setup(t: Test, parameters: Record<string, string>, services = ['web']) {
  const deployer = new FakeDeployer()
  const asked: string[] = []
  const warnings: string[] = []
  const source = {
    find: async (name: string) => {
      asked.push(name)
      return parameters[name]
    },
  }
  const dir = stateDir(t)
  const newJob = () =>
    desiredStateJob({
      deployer,
      releases: new FakeReleases(),
      environment: () => undefined,
      source,
      holds: new FileHoldStore(dir),
      services: () => services,
      warn: (message) => warnings.push(message),
      now: () => NOW,
    })
  return { deployer, asked, warnings, holds: new FileHoldStore(dir), newJob, run: newJob() }
}

t.test('deploys the parameter image when it differs from what runs', async (t) => {
  const { deployer, asked, run } = setup(t, { '/ecr-deploy/web': PINNED_1 })
  const report = await run()
  t.strictSame(asked, ['/ecr-deploy/web'])
  t.strictSame(deployer.calls, [
    { method: 'status', service: 'web' },
    { method: 'deploy', service: 'web', image: PINNED_1, wait: false },
  ])
  t.strictSame(report.actions, [`web: deployed ${PINNED_1} from /ecr-deploy/web`])
})

t.test('does nothing when the running digest equals the parameter, or no parameter exists', async (t) => {
  const { deployer, run } = setup(t, { '/ecr-deploy/web': PINNED_2 }, ['web', 'api'])
  t.strictSame((await run()).actions, [])
  t.strictSame(
    deployer.calls,
    [{ method: 'status', service: 'web' }],
    'api has no parameter: not even a status',
  )
})

t.test('skips while a deploy runs, and when busy', async (t) => {
  const { deployer, run } = setup(t, { '/ecr-deploy/web': PINNED_1 })
  deployer.onStatus = async () => [{ service: 'web', state: 'deploying', healthy: null }]
  t.strictSame((await run()).actions, [])
  t.notOk(deployer.calls.some((call) => call.method === 'deploy'))
  deployer.onStatus = async () => [{ service: 'web', state: 'not-deployed', healthy: null }]
  deployer.onDeploy = async () => {
    throw new BusyError('web is busy')
  }
  t.strictSame((await run()).actions, [])
  deployer.onDeploy = new FakeDeployer().onDeploy
  t.match((await run()).actions, [/^web: deployed/], 'a busy refusal is retried next tick')
})

t.test('a digest that failed is held, across a restart, until the parameter changes', async (t) => {
  const parameters: Record<string, string> = { '/ecr-deploy/web': PINNED_1 }
  const { deployer, warnings, holds, newJob, run } = setup(t, parameters)
  deployer.onDeploy = async () => {
    throw new HealthFailedError('v1 failed its health check; r2 restored')
  }
  t.strictSame((await run()).actions, [
    `web: deploy of ${PINNED_1} from /ecr-deploy/web failed [E_HEALTH_FAILED]: v1 failed its health check; r2 restored`,
  ])
  t.strictSame(await holds.read('web'), {
    service: 'web',
    digest: DIGEST_1,
    reason: 'deploy from /ecr-deploy/web failed [E_HEALTH_FAILED]',
    since: NOW.toISOString(),
  })
  t.strictSame((await run()).actions, [])
  t.strictSame((await run()).actions, [])
  t.strictSame(
    warnings,
    [
      LEGACY('web'),
      `web: not deploying ${PINNED_1} from /ecr-deploy/web: on hold since ${NOW.toISOString()} (deploy from /ecr-deploy/web failed [E_HEALTH_FAILED]). Put another image in /ecr-deploy/web to release the hold (or deploy this one by hand).`,
    ],
    'warned once, not at every tick',
  )

  const restarted = newJob()
  t.strictSame((await restarted()).actions, [], 'a restarted daemon still holds it')
  t.equal(deployer.calls.filter((call) => call.method === 'deploy').length, 1)
  t.equal(warnings.length, 4, 'the new daemon run says both once')

  deployer.onStatus = async () => [{ service: 'web', state: 'running', healthy: true }]
  deployer.onDeploy = new FakeDeployer().onDeploy
  parameters['/ecr-deploy/web'] = `${IMAGE_REPO}@sha256:${'3'.repeat(64)}`
  t.match((await restarted()).actions, [/^web: deployed /], 'a new digest is tried')
  t.equal(await holds.read('web'), undefined, 'and the hold is gone')
  parameters['/ecr-deploy/web'] = PINNED_1
  await restarted()
  t.equal(
    deployer.calls.filter((call) => call.method === 'deploy').length,
    3,
    'the old digest is no longer held once the parameter moved away from it',
  )
})

t.test('a hold placed by a rollback keeps the job from re-deploying the parameter digest', async (t) => {
  const { deployer, warnings, holds, run } = setup(t, { '/ecr-deploy/web': PINNED_1 })
  await holds.write({ service: 'web', digest: DIGEST_1, reason: 'manual rollback to r2', since: 'then' })
  t.strictSame((await run()).actions, [])
  t.strictSame(deployer.calls, [{ method: 'status', service: 'web' }], 'the status is read first; no deploy')
  t.match(warnings, [
    LEGACY('web'),
    /on hold since then \(manual rollback to r2\)\. Put another image in \/ecr-deploy\/web/,
  ])
})

t.test('a parameter that is not a pinned ECR image is reported and ignored', async (t) => {
  const { deployer, run } = setup(t, { '/ecr-deploy/web': `${IMAGE_REPO}:v1`, '/ecr-deploy/api': 'nginx' }, [
    'web',
    'api',
  ])
  const report = await run()
  t.strictSame(report.actions, [
    `web: ignored /ecr-deploy/web: "${IMAGE_REPO}:v1" is not pinned to a digest`,
    'api: ignored /ecr-deploy/api: image "nginx" has no registry: expected an ECR URI such as 123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.2.3',
  ])
  t.strictSame(deployer.calls, [])
})

t.test('one unreadable parameter does not stop the others', async (t) => {
  const deployer = new FakeDeployer()
  const source = {
    find: async (name: string) => {
      if (name === '/ecr-deploy/web')
        throw new AwsAuthError('reading SSM parameter /ecr-deploy/web was refused')
      return PINNED_1
    },
  }
  const run = desiredStateJob({
    deployer,
    releases: new FakeReleases(),
    environment: () => undefined,
    source,
    holds: new FileHoldStore(stateDir(t)),
    services: () => ['web', 'api'],
    warn: (message) => t.match(message, /^api: the agent configuration names no environment/),
  })
  t.strictSame((await run()).actions, [
    'web: desired state not read [E_AWS_AUTH]: reading SSM parameter /ecr-deploy/web was refused',
    `api: deployed ${PINNED_1} from /ecr-deploy/api`,
  ])
})
