import t from 'tap'
import { ImageNotAllowedError, ImageRefError, UnknownServiceError } from '../../../shared/errors.ts'
import { GREETING_PARAMETER, get, startHarness } from '../../support/deploy-harness.ts'
import { useFakeAws } from './fake-aws-env.ts'

const env = await useFakeAws(t)

t.test('first deploy, upgrade v1 -> v2, then a no-op re-deploy', async (t) => {
  const h = await startHarness(t)
  const { v1, v2 } = h.ground.images

  const first = await h.deployer.deploy({
    service: 'web',
    image: v1.uri,
    onProgress: (e) => h.progress.push(e),
  })
  t.match(first, {
    service: 'web',
    result: 'deployed',
    release: { id: 'r1', digest: v1.digest, result: 'deployed' },
  })
  t.equal(first.release.image, `${h.ground.registryHost}/ecr-ssm-deploy/app@${v1.digest}`)
  t.strictSame(await get(h.port), { status: 200, body: 'v1' })
  t.ok(h.progress.some((e) => e.phase === 'health' && /healthy/.test(e.message)))
  const spec = h.docker.created[0]
  t.equal(spec?.name, `ecr-deploy-${h.agentId}-web-r1`)
  t.strictSame(spec?.labels, {
    'ecr-deploy.agent': h.agentId,
    'ecr-deploy.service': 'web',
    'ecr-deploy.release': 'r1',
  })
  t.strictSame(spec?.env, { MODE: 'test', GREETING: 'hello from ssm' }, 'env from config and Parameter Store')
  t.equal(spec?.init, true)

  const upgrade = await h.deployer.deploy({ service: 'web', image: v2.uri })
  t.match(upgrade, {
    result: 'deployed',
    release: { id: 'r2', digest: v2.digest },
    previous: { id: 'r1', digest: v1.digest },
  })
  t.strictSame(await get(h.port), { status: 200, body: 'v2' })
  const containers = await h.docker.listContainers({ 'ecr-deploy.agent': h.agentId })
  t.strictSame(
    containers.map((c) => [c.name, c.state]),
    [[`ecr-deploy-${h.agentId}-web-r2`, 'running']],
    'the old container is gone',
  )

  const [before] = await h.docker.listContainers({ 'ecr-deploy.agent': h.agentId })
  const pullsBefore = h.docker.pulls.length
  const reads = () => env.aws.calls.filter((c) => c.operation === 'GetParameters').length
  const parametersBefore = reads()
  const createdBefore = h.docker.created.length
  const again = await h.deployer.deploy({
    service: 'web',
    image: `${h.ground.registryHost}/ecr-ssm-deploy/app@${v2.digest}`,
  })
  t.match(again, { result: 'unchanged', release: { id: 'r2' } })
  t.equal(h.docker.pulls.length, pullsBefore, 'a digest-pinned re-run pulls nothing')
  t.equal(reads(), parametersBefore, 'and reads no parameter')
  t.strictSame((await h.deployer.reconcile()).actions, [], 'reconcile has nothing to do either')
  t.equal(reads(), parametersBefore)
  const [after] = await h.docker.listContainers({ 'ecr-deploy.agent': h.agentId })
  t.equal(after?.id, before?.id, 'same container, not restarted')
  t.equal(h.docker.created.length, createdBefore, 'and creates no container')

  const byTag = await h.deployer.deploy({ service: 'web', image: v2.uri })
  t.equal(byTag.result, 'unchanged', 'by tag: pulled to learn the digest, then nothing to do')

  const status = await h.deployer.status('web')
  t.match(status, [
    { service: 'web', state: 'running', healthy: true, current: { id: 'r2' }, previous: { id: 'r1' } },
  ])
  const history = await h.deployer.history('web')
  t.strictSame(
    history.map((r) => [r.id, r.result]),
    [
      ['r2', 'deployed'],
      ['r1', 'deployed'],
    ],
  )
})

t.test('requests that are not allowed are refused before anything is touched', async (t) => {
  const h = await startHarness(t)
  await t.rejects(
    h.deployer.deploy({ service: 'web', image: h.ground.images.other.uri }),
    ImageNotAllowedError,
  )
  await t.rejects(
    h.deployer.deploy({ service: 'web', image: h.ground.images.other.uri }),
    new RegExp(
      `is not from ${h.ground.registryHost}/ecr-ssm-deploy/app, the repository configured for service "web"`,
    ),
  )
  await t.rejects(h.deployer.deploy({ service: 'nope', image: h.ground.images.v1.uri }), UnknownServiceError)
  await t.rejects(h.deployer.deploy({ service: 'web', image: 'docker.io/library/nginx:1' }), ImageRefError)
  t.strictSame(h.docker.pulls, [])
  t.strictSame(h.docker.created, [])
  t.strictSame(await h.docker.listContainers({ 'ecr-deploy.agent': h.agentId }), [])
  t.match(await h.deployer.status('web'), [{ state: 'not-deployed' }])
})

t.test(
  'ECR is called with the instance role keys from IMDS, and nothing is written under HOME',
  async (t) => {
    const h = await startHarness(t)
    await h.deployer.deploy({ service: 'web', image: h.ground.images.v1.uri })
    const tokenCalls = env.aws.calls.filter((c) => c.operation === 'GetAuthorizationToken')
    t.ok(tokenCalls.length >= 1)
    const roleKeys = env.aws.imds.issuedKeys
    t.ok(roleKeys.length >= 1, 'credentials came from IMDS')
    for (const call of tokenCalls)
      t.ok(roleKeys.includes(call.accessKeyId ?? ''), `signed with ${call.accessKeyId}`)
    t.strictSame(
      tokenCalls.map((c) => c.input),
      tokenCalls.map(() => ({ registryIds: ['123456789012'] })),
    )
    t.equal(env.dockerConfigWritten(), false, '~/.docker does not exist')
    const password = h.ground.registryPassword
    const secrets = {
      'registry password': password,
      'ECR token': Buffer.from(`${h.ground.registryUser}:${password}`).toString('base64'),
      ...Object.fromEntries(env.aws.imds.issuedSecrets.map((secret, i) => [`AWS secret #${i + 1}`, secret])),
    }
    t.ok(env.aws.imds.issuedSecrets.length >= 2, 'there were AWS keys to leak')
    t.ok(h.logLines.length > 0 && h.progress.length === 0, 'the deployer logged its progress')
    t.ok(
      h.logLines.some((line) => line.includes('"phase":"pull"')),
      'the log covers the pull, where the token was used',
    )
    const stateText = JSON.stringify(await h.state.read('web'))
    for (const [name, secret] of Object.entries(secrets)) {
      t.notOk(
        h.logLines.some((line) => line.includes(secret)),
        `the ${name} is in no log line`,
      )
      t.notOk(stateText.includes(secret), `nor in the state file (${name})`)
    }
  },
)

t.test('a service without published ports is health-checked on its container address', async (t) => {
  const h = await startHarness(t)
  h.setConfig(h.configYaml().replace(/ {4}ports: .*\n/, ''))
  const outcome = await h.deployer.deploy({
    service: 'web',
    image: h.ground.images.v1.uri,
    onProgress: (e) => h.progress.push(e),
  })
  t.equal(outcome.result, 'deployed')
  const health = h.progress.find((e) => e.phase === 'health')
  t.match(health?.message, /GET http:\/\/\d+\.\d+\.\d+\.\d+:8080\/health answered 200/)
  t.notMatch(health?.message, /127\.0\.0\.1/)
})

t.test(
  'a parameter SSM does not have fails the deploy, naming it, before the running release is touched',
  async (t) => {
    const h = await startHarness(t)
    await h.deployer.deploy({ service: 'web', image: h.ground.images.v1.uri })
    const [before] = await h.docker.listContainers({ 'ecr-deploy.agent': h.agentId })
    h.setConfig(h.configYaml().replace(GREETING_PARAMETER, '/web/no-such-greeting'))
    await t.rejects(h.deployer.deploy({ service: 'web', image: h.ground.images.v2.uri }), {
      code: 'E_AWS',
      message:
        'SSM parameter "/web/no-such-greeting" not found: create it, or fix envFromParameters in the agent configuration',
    })
    const asked = env.aws.calls.filter((c) => c.operation === 'GetParameters').at(-1)?.input
    t.strictSame(asked, { Names: ['/web/no-such-greeting'], WithDecryption: true }, 'asked SSM over the wire')
    const [after] = await h.docker.listContainers({ 'ecr-deploy.agent': h.agentId })
    t.equal(after?.id, before?.id)
    t.equal(after?.state, 'running')
    t.strictSame(await get(h.port), { status: 200, body: 'v1' })
    t.strictSame(
      (await h.deployer.history('web')).map((r) => r.id),
      ['r1'],
    )
  },
)
