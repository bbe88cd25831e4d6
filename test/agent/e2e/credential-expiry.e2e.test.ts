import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm'
import Docker from 'dockerode'
import t from 'tap'
import { startFakeAws } from '../../ground/fake-aws/index.ts'
import { loadGround } from '../../ground/ground.ts'
import { eventually, startAgent } from '../../support/agent-process.ts'
import { freePort } from '../../support/free-port.ts'
import { lastJson, runCli } from '../../support/run-agent-cli.ts'

/*
 * A real daemon across an expiry of its instance-role keys. The fake IMDS hands out keys that live four
 * seconds (the Expiration it reports), then the fake refuses them as AWS does. Each deploy reads
 * envFromParameters, so each one signs a GetParameters call with whatever keys the agent's SDK holds.
 */

const ground = loadGround()
const docker = new Docker({ socketPath: ground.dockerSocket })
const agentId = `expiry-${process.pid}-${Date.now().toString(36)}`
const dir = await mkdtemp(join(tmpdir(), 'agent-expiry-'))
const socket = join(dir, 'run', 'agent.sock')
const home = join(dir, 'home')
const configFile = join(dir, 'agent.yaml')
const port = await freePort()
const repository = `${ground.registryHost}/${ground.images.v1.repository}`
const network = await docker.createNetwork({ Name: `${agentId}-net`, Driver: 'bridge' })
const aws = await startFakeAws({
  registry: {
    url: ground.registryUrl,
    user: ground.registryUser,
    password: ground.registryPassword,
    ca: ground.caCertPath,
  },
  imds: { credentialLifetimeMs: 4000 },
})
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

await mkdir(home, { recursive: true })
await writeFile(
  configFile,
  [
    `agentId: ${agentId}`,
    'services:',
    '  web:',
    `    repository: ${repository}`,
    `    ports: ["127.0.0.1:${port}:8080"]`,
    `    network: ${agentId}-net`,
    '    stopTimeout: 2',
    '    envFromParameters: { GREETING: /web/greeting }',
    '    healthCheck:',
    '      http: { path: /health, port: 8080 }',
    '      interval: 0.2',
    '      startPeriod: 1',
    '',
  ].join('\n'),
)
const admin = new SSMClient({
  endpoint: aws.endpoint,
  region: ground.region,
  credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' },
})
await admin.send(new PutParameterCommand({ Name: '/web/greeting', Value: 'hello', Type: 'String' }))

const agent = await startAgent(socket, {
  ...aws.env(),
  HOME: home,
  ECR_DEPLOY_AGENT_CONFIG: configFile,
  ECR_DEPLOY_AGENT_STATE_DIR: join(dir, 'state'),
  LOG_LEVEL: 'info',
})
t.teardown(() => {
  agent.child.kill('SIGKILL')
})

const deploy = (image: string) =>
  runCli(['--socket', socket, 'deploy', '--service', 'web', '--image', image, '--wait'], { HOME: home })

async function greetingOfRunningContainer(): Promise<string | undefined> {
  const [running] = await docker.listContainers({ filters: { label: [`ecr-deploy.agent=${agentId}`] } })
  if (running === undefined) return undefined
  const env = (await docker.getContainer(running.Id).inspect()).Config.Env
  return env.find((entry) => entry.startsWith('GREETING='))?.slice('GREETING='.length)
}

t.test('a deploy after the instance-role keys expired succeeds with new keys', async (t) => {
  const first = await deploy(ground.images.v1.uri)
  if (first.code !== 0) t.comment(`${first.stderr}\n${agent.output()}`)
  t.equal(first.code, 0, 'the deploy before the expiry exits 0')
  t.match(lastJson(first), { result: 'deployed', digest: ground.images.v1.digest })
  const parameterReads = () => aws.calls.filter((call) => call.operation === 'GetParameters')
  const oldKey = parameterReads().at(-1)?.accessKeyId
  t.ok(oldKey !== undefined && aws.imds.issuedKeys.includes(oldKey), 'the first deploy signed with role keys')

  // The expiry itself is the premise: wait until the fake refuses the first keys, then deploy.
  const probe = new SSMClient({
    endpoint: aws.endpoint,
    region: ground.region,
    credentials: { accessKeyId: oldKey ?? '-', secretAccessKey: 'x' },
  })
  await eventually('the first keys to expire', 30_000, () =>
    probe.send(new GetParameterCommand({ Name: '/web/greeting' })).then(
      () => undefined,
      (error: Error) => (error.name === 'ExpiredTokenException' ? true : undefined),
    ),
  )
  const expiredAt = aws.calls.length
  await admin.send(
    new PutParameterCommand({ Name: '/web/greeting', Value: 'hello again', Type: 'String', Overwrite: true }),
  )

  const second = await deploy(`${repository}@${ground.images.v2.digest}`)
  if (second.code !== 0) t.comment(`${second.stderr}\n${agent.output()}`)
  t.equal(second.code, 0, 'the deploy after the expiry exits 0')
  t.match(lastJson(second), { result: 'deployed', digest: ground.images.v2.digest })
  const after = aws.calls.slice(expiredAt).filter((call) => call.accessKeyId !== 'AKIDTEST')
  const newKey = after.find((call) => call.operation === 'GetParameters')?.accessKeyId
  t.ok(
    newKey !== undefined && aws.imds.issuedKeys.includes(newKey),
    'the second deploy signed with role keys',
  )
  t.not(newKey, oldKey, 'new ones')
  t.strictSame(
    after.filter((call) => call.accessKeyId === oldKey).map((call) => call.operation),
    [],
    'nothing was signed with the expired keys',
  )
  t.equal(
    await greetingOfRunningContainer(),
    'hello again',
    'the new release got the value read after the expiry',
  )
})
