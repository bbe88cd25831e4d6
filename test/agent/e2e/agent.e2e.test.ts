import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm'
import Docker from 'dockerode'
import t from 'tap'
import { loadGround } from '../../ground/ground.ts'
import { type AgentProcess, deployInBackground, eventually, startAgent } from '../../support/agent-process.ts'
import { startFakeOnGround } from '../../support/ground-aws.ts'
import { lastJson, runCli } from '../../support/run-agent-cli.ts'

/*
 * The agent end to end: the CLI, a real daemon process, the real dockerd, the TLS registry of the test
 * ground, and the fake IMDS/ECR/SSM. Credentials come from the fake IMDS only; HOME is a fresh directory.
 */

const ground = loadGround()
const docker = new Docker({ socketPath: ground.dockerSocket })
const agentId = `e2e-${process.pid}-${Date.now().toString(36)}`
const dir = await mkdtemp(join(tmpdir(), 'agent-e2e-'))
const socket = join(dir, 'run', 'agent.sock')
const home = join(dir, 'home')
const stateDir = join(dir, 'state')
const configFile = join(dir, 'agent.yaml')
const port = await freePort()
const repository = `${ground.registryHost}/${ground.images.v1.repository}`
const pinned = (name: 'v1' | 'v2') => `${repository}@${ground.images[name].digest}`

// A network of our own: this machine's dockerd may lack its default docker0 bridge, and a private network
// also keeps these containers apart from other tests'.
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
    'services:',
    '  web:',
    `    repository: ${repository}`,
    `    ports: ["127.0.0.1:${port}:8080"]`,
    `    network: ${agentId}-net`,
    '    stopTimeout: 2',
    '    healthCheck:',
    '      http: { path: /health, port: 8080 }',
    '      interval: 0.2',
    '      startPeriod: 1',
    '',
  ].join('\n'),
)
const { mkdir } = await import('node:fs/promises')
await mkdir(home, { recursive: true })

const agentEnv: Record<string, string> = {
  ...aws.env(),
  HOME: home,
  ECR_DEPLOY_AGENT_CONFIG: configFile,
  ECR_DEPLOY_AGENT_STATE_DIR: stateDir,
  // Desired state every second, so the Parameter Store step below does not wait two minutes.
  ECR_DEPLOY_AGENT_CRON_DESIRED_STATE: '* * * * * *',
  LOG_LEVEL: 'info',
}

// Every daemon this file starts, so the leak check reads the log of each, the ones that pulled included.
const daemons: AgentProcess[] = []
async function startDaemon(): Promise<AgentProcess> {
  const started = await startAgent(socket, agentEnv)
  daemons.push(started)
  return started
}
let agent: AgentProcess = await startDaemon()
t.teardown(() => {
  agent.child.kill('SIGKILL')
})

const cli = (...args: string[]) => runCli(['--socket', socket, ...args], { HOME: home })

async function served(): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined)
  return res ? (await res.text()).trim() : 'nothing'
}

async function webStatus(): Promise<{ state: string; containerId?: string; current?: { digest: string } }> {
  const run = await cli('status', '--service', 'web', '--json')
  return (
    JSON.parse(run.stdout) as {
      services: [{ state: string; containerId?: string; current?: { digest: string } }]
    }
  ).services[0]
}

async function runningContainers(): Promise<string[]> {
  const list = await docker.listContainers({ filters: { label: [`ecr-deploy.agent=${agentId}`] } })
  return list.map((c) => c.Id)
}

t.test('deploy v1 by tag through the CLI', async (t) => {
  const run = await cli('deploy', '--service', 'web', '--image', ground.images.v1.uri, '--wait')
  if (run.code !== 0) t.comment(`${run.stderr}\n${agent.output()}`)
  t.equal(run.code, 0, 'deploy exits 0')
  t.match(lastJson(run), { result: 'deployed', service: 'web', digest: ground.images.v1.digest })
  t.ok(run.stdout.length < 24_000, 'the output fits what SSM keeps')
  t.equal(await served(), 'v1')
})

t.test('deploying the same image again changes nothing', async (t) => {
  const before = await webStatus()
  const run = await cli('deploy', '--service', 'web', '--image', pinned('v1'))
  t.equal(run.code, 0, run.stderr)
  t.match(lastJson(run), { result: 'unchanged', digest: ground.images.v1.digest })
  const after = await webStatus()
  t.ok(before.containerId, 'a container id is reported')
  t.equal(after.containerId, before.containerId, 'the same container still runs')
  const running = await runningContainers()
  t.equal(running.length, 1, 'one container for the service')
  t.ok(running[0]?.startsWith(before.containerId ?? '-'), 'and it is the one status reports')
})

t.test('a daemon killed in the middle of a deploy converges when it starts again', async (t) => {
  const { progress, exit: cliExit } = deployInBackground(t, socket, home, pinned('v2'))
  await eventually('the deploy to reach its start phase', 60_000, async () =>
    /\] (start|health|switch|stop):/.test(progress()) ? true : undefined,
  )
  agent.child.kill('SIGKILL')
  await agent.exited
  t.equal(await cliExit, 7, 'the CLI reports the daemon went away')
  t.match(progress(), /"code":"E_DAEMON_UNAVAILABLE"/)

  agent = await startDaemon()
  const status = await eventually(
    'the service to run again after reconcile',
    60_000,
    async () => {
      const s = await webStatus()
      return s.state === 'running' && (await served()).startsWith('v') ? s : undefined
    },
    agent,
  )
  t.ok(
    [ground.images.v1.digest, ground.images.v2.digest].includes(status.current?.digest ?? ''),
    'a known release runs',
  )
  t.equal((await runningContainers()).length, 1, 'exactly one container runs for the service')
  const again = await cli('deploy', '--service', 'web', '--image', pinned('v2'), '--wait')
  t.equal(again.code, 0, again.stderr)
  t.match(lastJson(again), { result: /^(deployed|unchanged)$/, digest: ground.images.v2.digest })
  t.equal(await served(), 'v2')
})

t.test('rollback through the CLI returns to the previous release', async (t) => {
  const run = await cli('rollback', '--service', 'web')
  t.equal(run.code, 0, run.stderr)
  t.match(lastJson(run), { result: 'rolled-back', digest: ground.images.v1.digest })
  t.equal(await served(), 'v1')
})

t.test(
  'reload: an invalid file is refused and the old configuration stays; a valid one applies',
  async (t) => {
    const good = await readFile(configFile, 'utf8')
    const before = await webStatus()
    const servedBefore = await served()
    // Invalid, and it would add a second service: a refused file must leave neither change in effect.
    const extra = ['  api:', `    repository: ${repository}`, '']
    await writeFile(configFile, `${good.replace('stopTimeout: 2', 'stopTimeout: soon')}${extra.join('\n')}`)
    const refusals = () =>
      agent
        .output()
        .split('\n')
        .filter((line) => line.includes('reload refused')).length
    const refusedBefore = refusals()
    agent.child.kill('SIGHUP')
    await eventually('the SIGHUP reload to be refused', 10_000, async () =>
      refusals() > refusedBefore ? true : undefined,
    )
    const refused = await cli('reload')
    t.equal(refused.code, 2)
    t.match(
      refused.stderr,
      new RegExp(`^error \\[E_CONFIG_INVALID\\]: ${configFile}: services\\.web\\.stopTimeout`),
    )
    const all = JSON.parse((await cli('status', '--json')).stdout) as {
      services: { service: string; state: string; containerId?: string }[]
    }
    t.strictSame(
      all.services.map((s) => [s.service, s.state, s.containerId]),
      [['web', 'running', before.containerId]],
      'the daemon still serves the old configuration: one service, the same container, running',
    )
    t.equal(await served(), servedBefore, 'and it still answers as before')
    t.equal(agent.child.exitCode, null, 'the daemon did not exit')
    await writeFile(configFile, good)
    const applied = await cli('reload')
    t.equal(applied.code, 0, applied.stderr)
    t.equal(applied.stdout, `configuration reloaded from ${configFile}: 1 service(s) (web)\n`)
  },
)

t.test('Parameter Store desired state: the service converges with no command sent', async (t) => {
  const ssm = new SSMClient({
    endpoint: aws.endpoint,
    region: ground.region,
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' },
  })
  await ssm.send(
    new PutParameterCommand({
      Name: '/ecr-deploy/web',
      Value: pinned('v2'),
      Type: 'String',
      Overwrite: true,
    }),
  )
  await eventually(
    'the desired-state job to deploy v2',
    60_000,
    async () =>
      (await served()) === 'v2' && (await webStatus()).current?.digest === ground.images.v2.digest
        ? true
        : undefined,
    agent,
  )
  const history = JSON.parse((await cli('history', '--service', 'web', '--json')).stdout) as {
    releases: { digest: string; result: string }[]
  }
  t.ok(
    history.releases.some((r) => r.digest === ground.images.v2.digest && r.result === 'deployed'),
    'the history records the converged release',
  )
  t.equal((await runningContainers()).length, 1)
})

t.test('a manual rollback holds the Parameter Store digest until the parameter changes', async (t) => {
  const ssm = new SSMClient({
    endpoint: aws.endpoint,
    region: ground.region,
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' },
  })
  const put = (image: string) =>
    ssm.send(
      new PutParameterCommand({ Name: '/ecr-deploy/web', Value: image, Type: 'String', Overwrite: true }),
    )
  const holdFile = join(stateDir, 'holds', 'web.json')
  const parameterReads = () =>
    aws.calls.filter(
      (call) =>
        call.service === 'ssm' &&
        /^GetParameters?$/.test(call.operation) &&
        JSON.stringify(call.input).includes('/ecr-deploy/web'),
    ).length
  const onHold = () =>
    agent
      .output()
      .split('\n')
      .filter((line) => line.includes('on hold since')).length

  const run = await cli('rollback', '--service', 'web')
  t.equal(run.code, 0, run.stderr)
  t.match(JSON.parse(await readFile(holdFile, 'utf8')), {
    digest: ground.images.v2.digest,
    reason: /^manual rollback to r\d+$/,
  })
  await eventually(
    'the desired-state job to report the hold',
    20_000,
    async () => (onHold() > 0 ? true : undefined),
    agent,
  )
  // Each run of the job reads the parameter: three more reads are three more runs that saw the hold.
  const readsAtWarning = parameterReads()
  await eventually('three more runs of the desired-state job', 30_000, async () =>
    parameterReads() >= readsAtWarning + 3 ? true : undefined,
  )
  t.equal(await served(), 'v1', 'the rollback stays')
  t.equal(onHold(), 1, 'warned once')

  await put(pinned('v1'))
  await eventually('the changed parameter to release the hold', 20_000, async () =>
    (await stat(holdFile).catch(() => undefined)) === undefined ? true : undefined,
  )
  await put(pinned('v2'))
  // Until the job's deploy has ended (v2 answers before the old container is stopped), the service stays
  // locked: a deploy the next test starts would be refused as busy.
  await eventually('the desired-state job to deploy v2 again', 60_000, async () =>
    (await served()) === 'v2' && (await webStatus()).state === 'running' ? true : undefined,
  )
})

t.test('SIGTERM in the middle of a deploy lets it finish, then the daemon exits 0', async (t) => {
  const { progress, exit } = deployInBackground(t, socket, home, pinned('v1'))
  await eventually('the deploy to reach its start phase', 60_000, async () =>
    /\] (start|health|switch):/.test(progress()) ? true : undefined,
  )
  agent.child.kill('SIGTERM')
  t.equal(await exit, 0, 'the deploy completed')
  t.match(progress().trim().split('\n').at(-1), /"result":"deployed"/)
  t.equal(await agent.exited, 0, 'the daemon exited cleanly afterwards')
  t.equal(await served(), 'v1')
  t.equal((await runningContainers()).length, 1, 'the service keeps running without the agent')
})

t.test(
  'no credential was written anywhere: no ~/.docker, no secret in HOME, the state or any daemon log',
  async (t) => {
    await t.rejects(stat(join(home, '.docker')), { code: 'ENOENT' })
    for (const file of await filesUnder(dir)) {
      if (file === configFile) continue
      const text = await readFile(file, 'utf8').catch(() => '')
      t.notOk(text.includes(ground.registryPassword), `${file} holds no registry password`)
    }
    const token = Buffer.from(`${ground.registryUser}:${ground.registryPassword}`).toString('base64')
    const secrets = {
      'registry password': ground.registryPassword,
      'ECR token': token,
      ...Object.fromEntries(aws.imds.issuedSecrets.map((secret, i) => [`AWS secret #${i + 1}`, secret])),
    }
    t.ok(aws.imds.issuedSecrets.length >= 2, 'the daemons had AWS keys to leak')
    const pulled = daemons.filter((daemon) => /"phase":"pull"/.test(daemon.output()))
    t.ok(pulled.includes(daemons[0] as AgentProcess), 'the first daemon, which pulled, is among those read')
    for (const [index, daemon] of daemons.entries()) {
      for (const [name, secret] of Object.entries(secrets)) {
        t.notOk(daemon.output().includes(secret), `daemon #${index + 1}'s log holds no ${name}`)
      }
    }
    t.ok(
      aws.calls.some((call) => call.service === 'ecr' && call.operation === 'GetAuthorizationToken'),
      'the token came from the fake ECR',
    )
  },
)

async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true })
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name))
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      )
    })
  })
}
