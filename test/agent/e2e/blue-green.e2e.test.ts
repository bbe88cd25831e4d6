import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { DockerodeEngine } from '../../../agent/docker/dockerode-engine.ts'
import { ProxyClient } from '../../../agent/proxy/proxy-client.ts'
import { loadGround } from '../../ground/ground.ts'
import { type AgentProcess, deployInBackground, eventually, startAgent } from '../../support/agent-process.ts'
import { ownNetwork } from '../../support/blue-green-harness.ts'
import { removeAgentContainers } from '../../support/deploy-harness.ts'
import { freePort } from '../../support/free-port.ts'
import { startFakeOnGround } from '../../support/ground-aws.ts'
import { startLoad } from '../../support/http-load.ts'
import { startProxy } from '../../support/proxy-process.ts'
import { runCli } from '../../support/run-agent-cli.ts'

/*
 * The daemon and the proxy as the two processes systemd runs: the agent is killed (SIGKILL) in the middle
 * of a blue-green deploy while clients keep sending requests to the public port, and started again.
 */
const ground = loadGround()
const docker = new DockerodeEngine()
const agentId = `bge2e-${process.pid}-${Date.now().toString(36)}`
const dir = await mkdtemp(join(tmpdir(), 'agent-bg-e2e-'))
const socket = join(dir, 'run', 'agent.sock')
const proxySocket = join(dir, 'proxy', 'proxy.sock')
const home = join(dir, 'home')
const configFile = join(dir, 'agent.yaml')
const port = await freePort()
const repository = `${ground.registryHost}/${ground.images.v1.repository}`
const pinned = (name: 'v1' | 'v2') => `${repository}@${ground.images[name].digest}`
await mkdir(home, { recursive: true })
const aws = await startFakeOnGround(ground)
const proxy = await startProxy(proxySocket, join(dir, 'proxy', 'routes.json'))
const network = await ownNetwork(`${agentId}-net`)
t.teardown(async () => {
  await proxy.stop()
  await aws.close()
  await removeAgentContainers(docker, agentId)
  await network.remove()
  await rm(dir, { recursive: true, force: true })
})
await writeFile(
  configFile,
  `agentId: ${agentId}
services:
  web:
    repository: ${repository}
    strategy: blue-green
    drainTimeout: 5
    ports: ["127.0.0.1:${port}:8080"]
    network: ${agentId}-net
    stopTimeout: 2
    healthCheck: { http: { path: /health, port: 8080 }, interval: 0.2, startPeriod: 1 }
`,
)
const agentEnv: Record<string, string> = {
  ...aws.env(),
  HOME: home,
  ECR_DEPLOY_AGENT_CONFIG: configFile,
  ECR_DEPLOY_AGENT_STATE_DIR: join(dir, 'state'),
  ECR_DEPLOY_PROXY_SOCKET: proxySocket,
  ECR_DEPLOY_AGENT_CRON_DESIRED_STATE: 'off',
  LOG_LEVEL: 'info',
}
let agent: AgentProcess = await startAgent(socket, agentEnv)
t.teardown(() => {
  agent.child.kill('SIGKILL')
})
const cli = (...args: string[]) => runCli(['--socket', socket, ...args], { HOME: home })

t.test('killing and restarting the agent mid-deploy, under load, loses no request', async (t) => {
  t.equal((await cli('deploy', '--service', 'web', '--image', pinned('v1'))).code, 0)
  const load = startLoad(port)
  await load.successes(20)

  const { progress, exit } = deployInBackground(t, socket, home, pinned('v2'))
  await eventually('the deploy to start the new container', 60_000, async () =>
    /\] (start|health):/.test(progress()) ? true : undefined,
  )
  agent.child.kill('SIGKILL')
  await agent.exited
  t.equal(await exit, 7, 'the CLI reports the daemon went away')
  await load.successes(20)
  agent = await startAgent(socket, agentEnv)
  // Start-up reconcile either finishes the deploy or undoes it; either way one healthy release remains.
  const containers = await eventually(
    'one container left after reconcile',
    60_000,
    async () => {
      const list = await docker.listContainers({ 'ecr-deploy.agent': agentId })
      return list.length === 1 && list[0]?.state === 'running' ? list : undefined
    },
    agent,
  )
  const info = await docker.inspect(containers[0]?.id ?? '')
  const { routes } = await new ProxyClient(proxySocket).status()
  t.strictSame(
    routes.map((r) => [r.name, r.upstream.host, r.upstream.port]),
    [['web/8080', info?.ipAddress, 8080]],
    'the proxy points at the container that is left',
  )

  const again = await cli('deploy', '--service', 'web', '--image', pinned('v2'))
  t.equal(again.code, 0, 'deploying v2 again succeeds (deployed, or unchanged when reconcile finished it)')
  await load.successes(20)
  const seen = await load.stop()
  t.equal(seen.failed, 0, `no failed request (${JSON.stringify(seen.errors)})`)
  t.equal(seen.last, 'v2')
  t.equal((await docker.listContainers({ 'ecr-deploy.agent': agentId })).length, 1, 'no orphan container')
})
