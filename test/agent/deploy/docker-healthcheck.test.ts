import t from 'tap'
import { HealthFailedError } from '../../../shared/errors.ts'
import { get, startHarness } from '../../support/deploy-harness.ts'
import { buildAndPush } from '../docker/pushed-image.ts'
import { useFakeAws } from './fake-aws-env.ts'

await useFakeAws(t)

const HEALTH_LINE = /^ {4}healthCheck: .*$/m
const DOCKER_HEALTH = '    healthCheck: { docker: {}, interval: 0.2, timeout: 1, startPeriod: 5, retries: 3 }'

t.test(
  'health from the image HEALTHCHECK: a passing one deploys, a failing one is rolled back',
  async (t) => {
    const h = await startHarness(t)
    // Images of this test's own, built FROM the ground's v1 with a HEALTHCHECK and pushed to the registry.
    const repository = `ecr-ssm-deploy/health-${h.agentId}`
    const config = h.configYaml().replace('ecr-ssm-deploy/app', repository)
    t.match(config, HEALTH_LINE, 'the harness configuration has a health check line to replace')
    h.setConfig(config.replace(HEALTH_LINE, DOCKER_HEALTH))
    const good = await buildAndPush(t, h.ground, repository, 'good', [
      'HEALTHCHECK --interval=1s --timeout=2s --retries=2 CMD wget -q -O /dev/null http://127.0.0.1:8080/health || exit 1',
    ])
    const bad = await buildAndPush(t, h.ground, repository, 'bad', [
      'HEALTHCHECK --interval=1s --timeout=2s --retries=2 CMD wget -q -O /dev/null http://127.0.0.1:8080/nowhere || exit 1',
    ])

    const deployed = await h.deployer.deploy({ service: 'web', image: good.pinned })
    t.match(deployed, { result: 'deployed', release: { id: 'r1', digest: good.digest } })
    const [running] = await h.deployer.status('web')
    t.match(running, { state: 'running', healthy: true })

    const failed = h.deployer.deploy({ service: 'web', image: bad.pinned })
    await t.rejects(failed, HealthFailedError)
    await t.rejects(failed, { message: /unhealthy/ }, 'the reason is what Docker reported')
    const [after] = await h.deployer.status('web')
    t.match(after, { state: 'running', current: { id: 'r1', digest: good.digest } }, 'r1 restored')
    t.strictSame(await get(h.port), { status: 200, body: 'v1' })
    const [last] = await h.deployer.history('web')
    t.match(last, { id: 'r2', digest: bad.digest, result: 'failed' })
  },
)
