import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { createDeployer } from '../../../agent/deploy/create-deployer.ts'
import { DockerodeEngine } from '../../../agent/docker/dockerode-engine.ts'
import { systemClock } from '../../../agent/health/clock.ts'
import { FileStateStore } from '../../../agent/state/file-state-store.ts'
import { parseConfig } from '../../../shared/agent-config/parse.ts'
import { PullFailedError } from '../../../shared/errors.ts'
import { createLogger } from '../../../shared/log.ts'
import { type FakeDockerRequest, startFakeDockerApi } from '../../support/fake-docker-api.ts'

// The deploy and the pull-only path over the real adapter and a fake Docker API: the reason dockerd
// gives inside its pull stream is the operation's error, not the "ended without an error" last guard.
const REPOSITORY = '123456789012.dkr.ecr.us-east-1.amazonaws.com/ecr-ssm-deploy/app'
const PASSWORD = 'cGFzc3dvcmQtb2YtdGhlLXJlZ2lzdHJ5'
const REASON = `unauthorized: the token ${PASSWORD} has expired`
const SHOWN = 'unauthorized: the token [redacted] has expired'

function dockerd(request: FakeDockerRequest) {
  if (request.method === 'POST' && request.url.startsWith('/images/create'))
    return {
      status: 200,
      messages: [
        { status: 'Pulling from ecr-ssm-deploy/app', id: 'v2' },
        { error: REASON, errorDetail: { message: REASON } },
      ],
    }
  if (request.url.startsWith('/containers/json')) return { status: 200, messages: [[]] }
  return { status: 404, messages: [{ message: 'No such image' }] }
}

t.test('deploy and pull both fail with the reason dockerd gave inside the stream', async (t) => {
  const api = await startFakeDockerApi(t, dockerd)
  const stateDir = await mkdtemp(join(tmpdir(), 'agent-pull-stream-'))
  t.teardown(() => rm(stateDir, { recursive: true, force: true }))
  const logLines: string[] = []
  const logger = createLogger('ecr-deploy-agent', { write: (line: string) => logLines.push(line) })
  logger.level = 'debug'
  const yaml = `agentId: t1\nservices:\n  web:\n    repository: ${REPOSITORY}\n    ports: ["127.0.0.1:18080:8080"]\n`
  const config = parseConfig(yaml, '/etc/ecr-deploy/agent.yaml', 'unused')
  const deployer = createDeployer({
    config: () => config,
    docker: new DockerodeEngine({ socketPath: api.socketPath }),
    registryAuth: {
      authFor: async () => ({ username: 'AWS', password: PASSWORD, serveraddress: 'https://x' }),
    },
    parameters: { get: async () => ({}) },
    state: new FileStateStore(stateDir),
    clock: systemClock,
    logger,
  })
  const tagged = `${REPOSITORY}:v2`
  const pinned = `${REPOSITORY}@sha256:${'b'.repeat(64)}`
  const failed = (operation: Promise<unknown>) =>
    operation.then(
      () => null,
      (error: unknown) => error,
    )
  const failures = [
    ['deploy of a tag', tagged, await failed(deployer.deploy({ service: 'web', image: tagged }))],
    ['deploy of a digest', pinned, await failed(deployer.deploy({ service: 'web', image: pinned }))],
    ['pull of a tag', tagged, await failed(deployer.pull({ service: 'web', image: tagged }))],
    ['pull of a digest', pinned, await failed(deployer.pull({ service: 'web', image: pinned }))],
  ] as const
  for (const [what, image, error] of failures) {
    t.type(error, PullFailedError, what)
    t.equal((error as Error | null)?.message, `pulling ${image} failed: ${SHOWN}`, what)
  }
  const pulls = api.requests.filter((r) => r.url.startsWith('/images/create')).length
  t.equal(pulls, 4, 'each one reached the pull')
  t.notOk(
    logLines.some((line) => line.includes(PASSWORD)),
    'no log line holds the password',
  )
})
