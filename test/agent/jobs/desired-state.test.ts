import t from 'tap'
import { desiredStateJob } from '../../../agent/jobs/desired-state.js'
import { AwsAuthError, BusyError, HealthFailedError } from '../../../shared/errors.js'
import { DIGEST_1, DIGEST_2, FakeDeployer, IMAGE_REPO } from '../api/fake-deployer.js'

const PINNED_1 = `${IMAGE_REPO}@${DIGEST_1}`
const PINNED_2 = `${IMAGE_REPO}@${DIGEST_2}`

/** The fake deployer's status reports release r2 (DIGEST_2) running for any service. */
function setup(parameters: Record<string, string>, services = ['web']) {
  const deployer = new FakeDeployer()
  const asked: string[] = []
  const source = {
    find: async (name: string) => {
      asked.push(name)
      return parameters[name]
    },
  }
  const run = desiredStateJob({ deployer, source, services: () => services })
  return { deployer, asked, run }
}

t.test('deploys the parameter image when it differs from what runs', async (t) => {
  const { deployer, asked, run } = setup({ '/ecr-deploy/web': PINNED_1 })
  const report = await run()
  t.strictSame(asked, ['/ecr-deploy/web'])
  t.strictSame(deployer.calls, [
    { method: 'status', service: 'web' },
    { method: 'deploy', service: 'web', image: PINNED_1, wait: false },
  ])
  t.strictSame(report.actions, [`web: deployed ${PINNED_1} from /ecr-deploy/web`])
})

t.test('does nothing when the running digest equals the parameter, or no parameter exists', async (t) => {
  const { deployer, run } = setup({ '/ecr-deploy/web': PINNED_2 }, ['web', 'api'])
  t.strictSame((await run()).actions, [])
  t.strictSame(
    deployer.calls,
    [{ method: 'status', service: 'web' }],
    'api has no parameter: not even a status',
  )
})

t.test('skips while a deploy runs, and when busy', async (t) => {
  const { deployer, run } = setup({ '/ecr-deploy/web': PINNED_1 })
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

t.test('a digest that failed is not retried until the parameter changes', async (t) => {
  const parameters: Record<string, string> = { '/ecr-deploy/web': PINNED_1 }
  const { deployer, run } = setup(parameters)
  deployer.onDeploy = async () => {
    throw new HealthFailedError('v1 failed its health check; r2 restored')
  }
  t.strictSame((await run()).actions, [
    `web: deploy of ${PINNED_1} from /ecr-deploy/web failed [E_HEALTH_FAILED]: v1 failed its health check; r2 restored`,
  ])
  t.strictSame((await run()).actions, [])
  t.equal(deployer.calls.filter((call) => call.method === 'deploy').length, 1)
  deployer.onStatus = async () => [{ service: 'web', state: 'running', healthy: true }]
  parameters['/ecr-deploy/web'] = `${IMAGE_REPO}@sha256:${'3'.repeat(64)}`
  await run()
  t.equal(deployer.calls.filter((call) => call.method === 'deploy').length, 2, 'a new digest is tried')
})

t.test('a parameter that is not a pinned ECR image is reported and ignored', async (t) => {
  const { deployer, run } = setup({ '/ecr-deploy/web': `${IMAGE_REPO}:v1`, '/ecr-deploy/api': 'nginx' }, [
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
  const run = desiredStateJob({ deployer, source, services: () => ['web', 'api'], prefix: '/ecr-deploy/' })
  t.strictSame((await run()).actions, [
    'web: desired state not read [E_AWS_AUTH]: reading SSM parameter /ecr-deploy/web was refused',
    `api: deployed ${PINNED_1} from /ecr-deploy/api`,
  ])
})
