import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { MIN_SSM_AGENT_VERSION } from '../../../shared/ssm-agent.ts'
import { loadGround } from '../../ground/ground.ts'
import { fleetStub, stubInstanceEnv } from '../../support/fleet-stub.ts'
import { installDeployDocument, startFakeOnGround } from '../../support/ground-aws.ts'
import { runController } from '../../support/run-controller.ts'

// An SSM Agent older than 3.3.2746.0 runs our document without the SSM_* variables. The document must say
// which version it needs, and still never splice a parameter into the script.
const ground = loadGround()

t.test('an instance with an old SSM Agent fails with the version it needs', async (t) => {
  const aws = await startFakeOnGround(ground)
  t.teardown(() => aws.close())
  const stub = await fleetStub(t)
  const id = 'i-0000000000000000a'
  aws.ssm.addInstance({
    id,
    tags: { Role: 'web' },
    agentVersion: '3.2.1000.0',
    env: stubInstanceEnv(stub, id, 'ok'),
  })
  await installDeployDocument(aws, ground.region)
  const work = await mkdtemp(join(tmpdir(), 'ecr-deploy-old-agent-'))
  t.teardown(() => rm(work, { recursive: true, force: true }))
  const args = [
    'deploy',
    '--environment',
    'prod',
    '--service',
    'web',
    '--image',
    ground.images.v1.uri,
    '--instance-ids',
    id,
  ]
  const result = await runController(aws, work, [...args, '--timeout', '60'])
  // The pull every rollout sends first is where the old agent is met: the rollout stops before any switch.
  t.equal(result.code, 4, result.stderr)
  t.match(
    result.stdout,
    `${id} failed: Failed: SSM Agent ${MIN_SSM_AGENT_VERSION} or newer is required`,
    'the report names the version',
  )
  t.notMatch(result.stdout, /unbound variable/)
  t.strictSame(await stub.calls(), [], 'the agent was never started')
})
