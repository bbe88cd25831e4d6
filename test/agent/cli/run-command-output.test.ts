import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CreateDocumentCommand, GetCommandInvocationCommand, SendCommandCommand } from '@aws-sdk/client-ssm'
import t from 'tap'
import { listenOnSocket } from '../../../agent/api/listen.ts'
import { buildServer } from '../../../agent/api/server.ts'
import { HealthFailedError } from '../../../shared/errors.ts'
import { fakeWithSsm, shellDocument } from '../../ground/fake-aws/test-clients.ts'
import { DIGEST_2, FakeDeployer, IMAGE_REPO } from '../../support/fake-deployer.ts'

/*
 * The agent CLI as SSM Run Command runs it: a document calls `ecr-deploy-agent deploy ... --wait`, and the
 * controller reads the last line of what SSM kept (the first 24,000 characters of stdout). A chatty deploy
 * and a long failure message must not push the JSON result line out of that window. The daemon behind the
 * socket is a fake deployer (the output window is the CLI's business); the real daemon end to end through
 * SSM is test/e2e/fleet.e2e.test.ts.
 */

const INSTANCE = 'i-0000000000000a9e1'
const MAIN = fileURLToPath(new URL('../../../agent/cli/main.ts', import.meta.url))

async function setup() {
  const dir = await mkdtemp(join(tmpdir(), 'agent-ssm-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const bin = join(dir, 'bin')
  const { mkdir } = await import('node:fs/promises')
  await mkdir(bin)
  // What `npm install -g` puts on PATH, pointing at the source instead of the build.
  const shim = join(bin, 'ecr-deploy-agent')
  await writeFile(shim, `#!/bin/sh\nexec "${process.execPath}" "${MAIN}" "$@"\n`)
  await chmod(shim, 0o755)
  const socket = join(dir, 'agent.sock')
  const deployer = new FakeDeployer()
  const app = buildServer({ deployer, reload: async () => ({ services: [], message: '' }) })
  t.teardown(() => app.close())
  await listenOnSocket(app, socket)

  const { aws, ssm } = await fakeWithSsm(t)
  const document = shellDocument(
    ['ecr-deploy-agent deploy --service "$SSM_service" --image "$SSM_image" --wait'],
    {
      service: { type: 'String', interpolationType: 'ENV_VAR' },
      image: { type: 'String', interpolationType: 'ENV_VAR' },
    },
  )
  await ssm.send(
    new CreateDocumentCommand({ Name: 'agent-deploy', Content: document, DocumentType: 'Command' }),
  )
  aws.ssm.addInstance({
    id: INSTANCE,
    tags: { Role: 'web' },
    env: { PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`, ECR_DEPLOY_AGENT_SOCKET: socket },
  })
  const run = async (image: string) => {
    const sent = await ssm.send(
      new SendCommandCommand({
        DocumentName: 'agent-deploy',
        InstanceIds: [INSTANCE],
        Parameters: { service: ['web'], image: [image] },
      }),
    )
    await aws.ssm.settled()
    return ssm.send(
      new GetCommandInvocationCommand({ CommandId: sent.Command?.CommandId ?? '', InstanceId: INSTANCE }),
    )
  }
  return { deployer, run }
}

const lastLine = (text: string | undefined) => JSON.parse((text ?? '').trimEnd().split('\n').at(-1) ?? 'null')

t.test('a chatty successful deploy: the result is still the last line SSM kept', async (t) => {
  const { deployer, run } = await setup()
  const defaultDeploy = deployer.onDeploy
  deployer.onDeploy = async (request) => {
    for (let i = 0; i < 3000; i += 1) {
      request.onProgress?.({
        service: 'web',
        phase: i % 2 ? 'pull' : 'health',
        message: `step ${i} ${'.'.repeat(90)}`,
      })
    }
    return defaultDeploy(request)
  }
  const invocation = await run(`${IMAGE_REPO}@${DIGEST_2}`)
  t.equal(invocation.ResponseCode, 0)
  t.equal(invocation.Status, 'Success')
  const stdout = invocation.StandardOutputContent ?? ''
  t.ok(stdout.length < 24_000, `the whole output fits (${stdout.length} characters)`)
  t.match(lastLine(stdout), { result: 'deployed', service: 'web', digest: DIGEST_2 })
  t.match(stdout, /progress lines not shown/)
})

t.test('a failed deploy with a long message: exit 5 and a parseable rolled-back line', async (t) => {
  const { deployer, run } = await setup()
  deployer.onDeploy = async (request) => {
    request.onProgress?.({ service: 'web', phase: 'health', message: 'GET /health answered 500' })
    throw new HealthFailedError(
      `v2 failed its health check; r1 restored. last log lines:\n${'log line\n'.repeat(4000)}`,
    )
  }
  const invocation = await run(`${IMAGE_REPO}:v2`)
  t.equal(invocation.ResponseCode, 5)
  t.equal(invocation.Status, 'Failed')
  const stdout = invocation.StandardOutputContent ?? ''
  t.ok(stdout.length < 24_000)
  const result = lastLine(stdout)
  t.match(result, { result: 'rolled-back', code: 'E_HEALTH_FAILED', image: `${IMAGE_REPO}:v2` })
  t.ok(result.message.length <= 2_000, 'the message in the result line is cut')
  t.match(invocation.StandardErrorContent, /^error \[E_HEALTH_FAILED\]: v2 failed its health check/)
})
