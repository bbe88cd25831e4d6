import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm'
import Docker from 'dockerode'
import t from 'tap'
import { type DesiredRelease, releaseText } from '../../../shared/release.ts'
import { testKeys } from '../../ground/fake-aws/test-clients.ts'
import { loadGround } from '../../ground/ground.ts'
import { eventually, startAgent } from '../../support/agent-process.ts'
import { freePort } from '../../support/free-port.ts'
import { startFakeOnGround } from '../../support/ground-aws.ts'
import { lastJson, runCli } from '../../support/run-agent-cli.ts'

/*
 * Releases through the real daemon: `deploy --release` reads the version the SSM command names from the
 * fake Parameter Store with the instance role, applies its spec within the file's policy, and the
 * desired-state job (every second here) converges to a stable release, never to a rolling one.
 */

const ground = loadGround()
const docker = new Docker({ socketPath: ground.dockerSocket })
const agentId = `rel-${process.pid}-${Date.now().toString(36)}`
const dir = await mkdtemp(join(tmpdir(), 'agent-release-'))
const socket = join(dir, 'run', 'agent.sock')
const home = join(dir, 'home')
const configFile = join(dir, 'agent.yaml')
const port = await freePort()
const repository = `${ground.registryHost}/${ground.images.v1.repository}`
const pinned = (name: 'v1' | 'v2') => `${repository}@${ground.images[name].digest}`

const network = await docker.createNetwork({ Name: `${agentId}-net`, Driver: 'bridge' })
const aws = await startFakeOnGround(ground)
t.teardown(async () => {
  await aws.close()
  const containers = await docker.listContainers({
    all: true,
    filters: { label: [`ecr-deploy.agent=${agentId}`] },
  })
  await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true })))
  await network.remove().catch(() => undefined)
  await rm(dir, { recursive: true, force: true })
})

await writeFile(
  configFile,
  [
    `agentId: ${agentId}`,
    'environment: prod',
    'services:',
    '  web:',
    `    repository: ${repository}`,
    `    ports: ["127.0.0.1:${port}:8080"]`,
    `    network: ${agentId}-net`,
    '    env: { MODE: file }',
    '    stopTimeout: 2',
    '    healthCheck: { http: { path: /health, port: 8080 }, interval: 0.2, startPeriod: 1 }',
    '',
  ].join('\n'),
)
await mkdir(home, { recursive: true })
const agent = await startAgent(socket, {
  ...aws.env(),
  HOME: home,
  ECR_DEPLOY_AGENT_CONFIG: configFile,
  ECR_DEPLOY_AGENT_STATE_DIR: join(dir, 'state'),
  // The default job at a short interval (seconds first): its per-instance offset stays inside it.
  ECR_DEPLOY_AGENT_CRON_DESIRED_STATE: '* * * * * *',
})
t.teardown(() => {
  agent.child.kill('SIGKILL')
})

const ssm = new SSMClient({ endpoint: aws.endpoint, region: 'us-east-1', credentials: testKeys() })
const cli = (...args: string[]) => runCli(['--socket', socket, ...args], { HOME: home })
let version = 0
async function write(release: Partial<DesiredRelease>): Promise<string> {
  const record: DesiredRelease = {
    format: 1,
    environment: 'prod',
    service: 'web',
    image: pinned('v1'),
    spec: {},
    state: 'rolling',
    origin: { actor: 'octocat', createdAt: '2026-12-01T12:00:00.000Z' },
    ...release,
  }
  await ssm.send(
    new PutParameterCommand({
      Name: '/ecr-deploy/prod/web',
      Value: releaseText(record),
      Type: 'String',
      Overwrite: true,
    }),
  )
  version += 1
  return `/ecr-deploy/prod/web:${version}`
}

async function status(): Promise<{
  release?: string
  containerId?: string
  current?: { id: string; digest: string }
}> {
  const run = await cli('status', '--service', 'web', '--json')
  return (JSON.parse(run.stdout) as { services: [Record<string, never>] }).services[0]
}

async function envOfRunning(): Promise<string[]> {
  const { containerId } = await status()
  const info = await docker.getContainer(containerId ?? '').inspect()
  return (info.Config.Env ?? []).filter((line) => line.startsWith('MODE='))
}

t.test(
  'deploy --release applies the release spec; the same digest with another env is a new release',
  async (t) => {
    const one = await write({ spec: { env: { MODE: 'one' } } })
    const first = await cli('deploy', '--service', 'web', '--release', one, '--wait')
    t.equal(first.code, 0, first.stderr)
    t.match(lastJson(first), { result: 'deployed', digest: ground.images.v1.digest })
    t.strictSame(await envOfRunning(), ['MODE=one'])
    t.match(await status(), { release: one, current: { id: 'r1' } })

    const two = await write({ spec: { env: { MODE: 'two' } }, replaces: { version: 1, image: pinned('v1') } })
    const second = await cli('deploy', '--service', 'web', '--release', two, '--wait')
    t.equal(second.code, 0, second.stderr)
    t.match(lastJson(second), { result: 'deployed' }, 'not unchanged')
    t.strictSame(await envOfRunning(), ['MODE=two'])
    t.match(await status(), { release: two, current: { id: 'r2' } })
  },
)

t.test('a release asking for a host path outside the file is refused, nothing changed', async (t) => {
  const before = await status()
  const history = (await cli('history', '--service', 'web', '--json')).stdout
  const bad = await write({ image: pinned('v2'), spec: { volumes: ['/etc:/host-etc:ro'] } })
  const run = await cli('deploy', '--service', 'web', '--release', bad, '--wait')
  t.equal(run.code, 2)
  t.match(lastJson(run), {
    result: 'failed',
    code: 'E_POLICY_REFUSED',
    message: `release ${bad}: spec.volumes[0]: host path /etc (ro) is outside what ${configFile} allows for service "web" (it allows none); add a root to services.web.allow.volumeRoots to allow it; nothing was changed`,
  })
  t.strictSame(await status(), before, 'the same container runs the same release')
  t.equal((await cli('history', '--service', 'web', '--json')).stdout, history, 'the ledger is unchanged')
})

t.test('the agent rollback restores the previous release with its spec', async (t) => {
  const run = await cli('rollback', '--service', 'web')
  t.equal(run.code, 0, run.stderr)
  t.strictSame(await envOfRunning(), ['MODE=one'])
  t.match(await status(), { release: '/ecr-deploy/prod/web:1' })
})

t.test('the desired-state job converges to a stable release, with no command sent', async (t) => {
  const stable = await write({ image: pinned('v2'), spec: { env: { MODE: 'stable' } }, state: 'stable' })
  const converged = await eventually(
    'the desired-state job to deploy the stable release',
    60_000,
    async () => {
      const now = await status()
      return now.release === stable ? now : undefined
    },
    agent,
  )
  t.equal(converged.current?.digest, ground.images.v2.digest)
  t.strictSame(await envOfRunning(), ['MODE=stable'])
})
