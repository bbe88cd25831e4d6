import t from 'tap'
import { buildServer, type ReloadOutcome } from '../../../agent/api/server.ts'
import {
  BusyError,
  ConfigError,
  HealthFailedError,
  ReleaseInvalidError,
  UnknownServiceError,
  UsageError,
} from '../../../shared/errors.ts'
import { DIGEST_1, DIGEST_2, FakeDeployer, IMAGE_REPO } from '../../support/fake-deployer.ts'

const IMAGE = `${IMAGE_REPO}:v2`

function setup(reload?: () => Promise<ReloadOutcome>) {
  const deployer = new FakeDeployer()
  const app = buildServer({
    deployer,
    reload: reload ?? (async () => ({ services: ['web'], message: 'configuration reloaded: 1 service' })),
    version: '9.9.9',
  })
  t.teardown(() => app.close())
  return { deployer, app }
}

const lines = (body: string): unknown[] =>
  body
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line))

t.test('POST /deploy streams progress lines then the result, and passes the request on', async (t) => {
  const { deployer, app } = setup()
  const res = await app.inject({
    method: 'POST',
    url: '/deploy',
    payload: { service: 'web', image: IMAGE, wait: true },
  })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'application/x-ndjson')
  t.strictSame(lines(res.body), [
    { type: 'progress', service: 'web', phase: 'pull', message: `pulling ${IMAGE}` },
    { type: 'progress', service: 'web', phase: 'health', message: 'healthy after 1 check' },
    {
      type: 'result',
      result: 'deployed',
      service: 'web',
      image: `${IMAGE_REPO}@${DIGEST_2}`,
      digest: DIGEST_2,
      previousDigest: DIGEST_1,
      releaseId: 'r2',
      durationMs: 1234,
      message: `deployed ${IMAGE}`,
    },
  ])
  t.strictSame(deployer.calls, [{ method: 'deploy', service: 'web', image: IMAGE, wait: true }])
})

t.test('a failure after progress ends the stream with an error line', async (t) => {
  const { deployer, app } = setup()
  deployer.onDeploy = async (request) => {
    request.onProgress?.({ service: 'web', phase: 'health', message: 'GET /health answered 500' })
    throw new HealthFailedError('web: v2 failed its health check; v1 restored')
  }
  const res = await app.inject({ method: 'POST', url: '/deploy', payload: { service: 'web', image: IMAGE } })
  t.equal(res.statusCode, 200, 'the status was sent with the first progress line')
  t.strictSame(lines(res.body), [
    { type: 'progress', service: 'web', phase: 'health', message: 'GET /health answered 500' },
    {
      type: 'error',
      code: 'E_HEALTH_FAILED',
      message: 'web: v2 failed its health check; v1 restored',
      exitCode: 5,
    },
  ])
})

t.test('a failure before any progress gets the mapped HTTP status', async (t) => {
  const { deployer, app } = setup()
  deployer.onDeploy = async () => {
    throw new BusyError('web is being deployed (release r3)')
  }
  const busy = await app.inject({ method: 'POST', url: '/deploy', payload: { service: 'web', image: IMAGE } })
  t.equal(busy.statusCode, 409)
  t.strictSame(lines(busy.body), [
    { type: 'error', code: 'E_BUSY', message: 'web is being deployed (release r3)', exitCode: 3 },
  ])

  deployer.onRollback = async () => {
    throw new UnknownServiceError('service "api" is not in /etc/ecr-deploy/agent.yaml')
  }
  const unknown = await app.inject({ method: 'POST', url: '/rollback', payload: { service: 'api' } })
  t.equal(unknown.statusCode, 404)
  t.match(JSON.parse(unknown.body), { code: 'E_UNKNOWN_SERVICE', exitCode: 2 })

  deployer.onStatus = async () => {
    throw new Error('socket hang up')
  }
  const internal = await app.inject({ method: 'GET', url: '/services' })
  t.equal(internal.statusCode, 500)
  t.strictSame(JSON.parse(internal.body), {
    type: 'error',
    code: 'E_INTERNAL',
    message: 'socket hang up',
    exitCode: 1,
  })
})

t.test('bodies are validated by schema before the deployer is called', async (t) => {
  const { deployer, app } = setup()
  const cases = [
    [{ service: 'Web', image: IMAGE }, /body\/service must match pattern/],
    [{ service: 'web' }, /^POST \/deploy: give exactly one of "image" and "release"$/],
    [{ service: 'web', image: IMAGE, release: '/ecr-deploy/prod/web:7' }, /exactly one of/],
    [
      { service: 'web', release: '/ecr-deploy/prod/web:0' },
      /^release "\/ecr-deploy\/prod\/web:0" is not a release selector: expected \/ecr-deploy\/<environment>\/<service>:<version>, such as \/ecr-deploy\/prod\/web:7$/,
    ],
    [
      { service: 'web', release: '/ecr-deploy/prod/web:7' },
      /this agent was started without a release source/,
    ],
    [{ service: 'web', image: IMAGE, extra: 1 }, /must NOT have additional properties/],
    [{ service: 'web', image: IMAGE, wait: 'yes' }, /body\/wait must be boolean/],
    [{ service: 'web', image: 'nginx:latest' }, /has no registry/],
  ] as const
  for (const [payload, message] of cases) {
    const res = await app.inject({ method: 'POST', url: '/deploy', payload })
    t.equal(res.statusCode, 400, JSON.stringify(payload))
    const body = JSON.parse(res.body)
    t.match(body, { type: 'error', exitCode: 2, message }, JSON.stringify(payload))
  }
  const badTo = await app.inject({
    method: 'POST',
    url: '/rollback',
    payload: { service: 'web', to: 'r1; rm -rf /' },
  })
  t.equal(badTo.statusCode, 400)
  const notJson = await app.inject({
    method: 'POST',
    url: '/deploy',
    payload: 'service=web',
    headers: { 'content-type': 'text/plain' },
  })
  t.equal(notJson.statusCode, 400, 'every client mistake is E_USAGE, answered 400')
  t.match(JSON.parse(notJson.body), { code: 'E_USAGE' })
  t.strictSame(deployer.calls, [], 'nothing reached the deployer')
})

t.test('POST /rollback streams the outcome and passes the target release', async (t) => {
  const { deployer, app } = setup()
  const res = await app.inject({ method: 'POST', url: '/rollback', payload: { service: 'web', to: 'r1' } })
  t.equal(res.statusCode, 200)
  t.match(lines(res.body), [
    { type: 'result', result: 'rolled-back', digest: DIGEST_1, previousDigest: DIGEST_2 },
  ])
  t.strictSame(deployer.calls, [{ method: 'rollback', service: 'web', to: 'r1' }])
})

t.test('status, history and health answer JSON', async (t) => {
  const { deployer, app } = setup()
  const all = await app.inject({ method: 'GET', url: '/services' })
  t.equal(all.statusCode, 200)
  t.match(JSON.parse(all.body), { services: [{ service: 'web', state: 'running', containerId: 'abc123' }] })
  const one = await app.inject({ method: 'GET', url: '/services?service=api' })
  t.match(JSON.parse(one.body), { services: [{ service: 'api' }] })
  const history = await app.inject({ method: 'GET', url: '/services/web/history' })
  t.match(JSON.parse(history.body), { service: 'web', releases: [{ id: 'r2' }, { id: 'r1' }] })
  const badName = await app.inject({ method: 'GET', url: '/services/..%2Fetc/history' })
  t.equal(badName.statusCode, 400)
  const health = await app.inject({ method: 'GET', url: '/health' })
  t.match(JSON.parse(health.body), { status: 'ok', version: '9.9.9' })
  const missing = await app.inject({ method: 'GET', url: '/nope' })
  t.equal(missing.statusCode, 404)
  t.match(JSON.parse(missing.body), { code: 'E_USAGE', message: 'GET /nope is not an agent API route' })
  t.strictSame(deployer.calls, [
    { method: 'status', service: undefined },
    { method: 'status', service: 'api' },
    { method: 'history', service: 'web' },
  ])
})

t.test('POST /reload reports the new services, or the config error while the old config stays', async (t) => {
  let valid = true
  const { app } = setup(async () => {
    if (!valid) throw new ConfigError('/etc/ecr-deploy/agent.yaml: services/web/image: required')
    return { services: ['web', 'api'], message: 'configuration reloaded: 2 services' }
  })
  const ok = await app.inject({ method: 'POST', url: '/reload' })
  t.equal(ok.statusCode, 200)
  t.strictSame(JSON.parse(ok.body), {
    services: ['web', 'api'],
    message: 'configuration reloaded: 2 services',
  })
  valid = false
  const bad = await app.inject({ method: 'POST', url: '/reload' })
  t.equal(bad.statusCode, 422)
  t.strictSame(JSON.parse(bad.body), {
    type: 'error',
    code: 'E_CONFIG_INVALID',
    message: '/etc/ecr-deploy/agent.yaml: services/web/image: required',
    exitCode: 2,
  })
})

t.test(
  'POST /retire answers what was removed; a configured service is refused with a usage error',
  async (t) => {
    const { app, deployer } = setup()
    const ok = await app.inject({ method: 'POST', url: '/retire', payload: { service: 'old' } })
    t.equal(ok.statusCode, 200)
    t.strictSame(JSON.parse(ok.body), { service: 'old', actions: ['old: removed container x'] })
    t.strictSame(deployer.calls, [{ method: 'retire', service: 'old' }])

    const bad = await app.inject({ method: 'POST', url: '/retire', payload: { service: 'old', force: true } })
    t.equal(bad.statusCode, 400, 'unknown keys are refused')
    deployer.onRetire = async () => {
      throw new UsageError('service "web" is still in the configuration; remove it from the file first')
    }
    const refused = await app.inject({ method: 'POST', url: '/retire', payload: { service: 'web' } })
    t.equal(refused.statusCode, 400)
    t.match(JSON.parse(refused.body), { type: 'error', code: 'E_USAGE', exitCode: 2 })
  },
)

t.test('POST /deploy with a release reads it, then deploys its image with its spec', async (t) => {
  const deployer = new FakeDeployer()
  const asked: string[] = []
  const app = buildServer({
    deployer,
    reload: async () => ({ services: ['web'], message: '' }),
    releases: async (service, selector) => {
      asked.push(`${service} ${selector.environment} ${selector.service} ${selector.version}`)
      if (selector.version === 9)
        throw new ReleaseInvalidError('release /ecr-deploy/prod/web:9 does not exist')
      return { image: IMAGE, release: { selector: '/ecr-deploy/prod/web:7', spec: { env: { A: '1' } } } }
    },
  })
  t.teardown(() => app.close())
  const res = await app.inject({
    method: 'POST',
    url: '/deploy',
    payload: { service: 'web', release: '/ecr-deploy/prod/web:7', wait: true },
  })
  t.equal(res.statusCode, 200)
  t.strictSame(deployer.calls, [
    {
      method: 'deploy',
      service: 'web',
      image: IMAGE,
      wait: true,
      release: { selector: '/ecr-deploy/prod/web:7', spec: { env: { A: '1' } } },
    },
  ])
  const missing = await app.inject({
    method: 'POST',
    url: '/deploy',
    payload: { service: 'web', release: '/ecr-deploy/prod/web:9' },
  })
  t.equal(missing.statusCode, 422)
  t.match(JSON.parse(missing.body), { code: 'E_RELEASE_INVALID', exitCode: 2 })
  t.strictSame(asked, ['web prod web 7', 'web prod web 9'])
  t.equal(deployer.calls.length, 1, 'a release that cannot be read deploys nothing')
})

t.test(
  'POST /pull reads the release as a deploy does, pulls only, and ends with a pulled line',
  async (t) => {
    const deployer = new FakeDeployer()
    const app = buildServer({
      deployer,
      reload: async () => ({ services: ['web'], message: '' }),
      releases: async (_service, selector) => {
        if (selector.version === 9)
          throw new ReleaseInvalidError('release /ecr-deploy/prod/web:9 is for environment staging')
        return { image: IMAGE, release: { selector: '/ecr-deploy/prod/web:7', spec: { env: { A: '1' } } } }
      },
    })
    t.teardown(() => app.close())
    const res = await app.inject({
      method: 'POST',
      url: '/pull',
      payload: { service: 'web', release: '/ecr-deploy/prod/web:7' },
    })
    t.equal(res.statusCode, 200)
    t.strictSame(lines(res.body), [
      { type: 'progress', service: 'web', phase: 'pull', message: `pulling ${IMAGE}` },
      {
        type: 'result',
        result: 'pulled',
        service: 'web',
        image: `${IMAGE_REPO}@${DIGEST_2}`,
        digest: DIGEST_2,
        previousDigest: null,
        releaseId: null,
        durationMs: 55,
        message: `pulled ${IMAGE_REPO}@${DIGEST_2}; no container was changed`,
      },
    ])
    t.strictSame(deployer.calls, [
      {
        method: 'pull',
        service: 'web',
        image: IMAGE,
        release: { selector: '/ecr-deploy/prod/web:7', spec: { env: { A: '1' } } },
      },
    ])
    const refused = await app.inject({
      method: 'POST',
      url: '/pull',
      payload: { service: 'web', release: '/ecr-deploy/prod/web:9' },
    })
    t.equal(refused.statusCode, 422)
    t.match(JSON.parse(refused.body), { code: 'E_RELEASE_INVALID' })
    const both = await app.inject({
      method: 'POST',
      url: '/pull',
      payload: { service: 'web', image: IMAGE, release: '/ecr-deploy/prod/web:7' },
    })
    t.match(JSON.parse(both.body), {
      code: 'E_USAGE',
      message: 'POST /pull: give exactly one of "image" and "release"',
    })
    const waiting = await app.inject({
      method: 'POST',
      url: '/pull',
      payload: { service: 'web', image: IMAGE, wait: true },
    })
    t.equal(waiting.statusCode, 400, 'a pull waits for nothing: no `wait` key')
    t.equal(deployer.calls.length, 1, 'nothing else reached the deployer')
  },
)
