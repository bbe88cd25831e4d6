import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Docker from 'dockerode'
import type { FakeAws } from '../ground/fake-aws/index.ts'
import type { Ground } from '../ground/ground.ts'
import { agentExecutable } from '../support/agent-executable.ts'
import { type AgentProcess, startAgent } from './agent-process.ts'
import { freePort } from './free-port.ts'
import { installDeployDocument } from './ground-aws.ts'
import { type ProxyProcess, startProxy } from './proxy-process.ts'

/** One simulated EC2 instance: an SSM managed instance in the fake, with a real agent daemon of its own. */
export interface SimInstance {
  readonly id: string
  readonly name: string
  /** The service's public port on 127.0.0.1. */
  readonly port: number
  readonly agent: AgentProcess
}

export interface SimFleet {
  readonly instances: readonly SimInstance[]
  readonly repository: string
  stop(): Promise<void>
}

export interface SimInstanceSpec {
  readonly id: string
  readonly name: string
  /** Extra lines for the `web` service in this instance's agent.yaml (4-space indented). */
  readonly serviceLines?: readonly string[]
}

export interface SimFleetOptions {
  /**
   * `blue-green` starts each instance's proxy (`ecr-deploy-agent proxy`) beside its agent, as the
   * installed units do, and deploys with it. Default `recreate`.
   */
  readonly strategy?: 'recreate' | 'blue-green'
  /**
   * Keep the agents' desired-state job on its default schedule, as an installed agent runs it. Off by
   * default, so that an end-to-end test never sees a deploy it did not send.
   */
  readonly desiredStateJob?: boolean
}

/**
 * Starts one agent daemon per instance against the real dockerd and registry (credentials from the fake
 * IMDS only), registers each instance with the fake SSM (tags Role=web) and installs our document. Both
 * the daemons and the document's `ecr-deploy-agent` are the shipped executable.
 */
export async function startSimFleet(
  aws: FakeAws,
  ground: Ground,
  specs: readonly SimInstanceSpec[],
  options: SimFleetOptions = {},
): Promise<SimFleet> {
  const blueGreen = options.strategy === 'blue-green'
  const docker = new Docker({ socketPath: ground.dockerSocket })
  const run = `fleet-${process.pid}-${Date.now().toString(36)}`
  const dir = await mkdtemp(join(tmpdir(), 'sim-fleet-'))
  const repository = `${ground.registryHost}/${ground.images.v1.repository}`
  const network = await docker.createNetwork({ Name: `${run}-net`, Driver: 'bridge' })
  const instances: SimInstance[] = []
  const proxies: ProxyProcess[] = []
  const stop = async () => {
    for (const instance of instances) instance.agent.child.kill('SIGKILL')
    await Promise.all(proxies.map((proxy) => proxy.stop()))
    const containers = await docker.listContainers({
      all: true,
      filters: { label: ['ecr-deploy.service=web'] },
    })
    const ours = containers.filter((c) => c.Labels['ecr-deploy.agent']?.startsWith(run))
    await Promise.all(ours.map((c) => docker.getContainer(c.Id).remove({ force: true })))
    await network.remove().catch(() => undefined)
    await rm(dir, { recursive: true, force: true })
  }
  try {
    const bin = join(dir, 'bin')
    await mkdir(bin)
    // The shipped executable, found on PATH by the document as on an instance.
    await symlink(agentExecutable(), join(bin, 'ecr-deploy-agent'))
    for (const spec of specs) {
      const home = join(dir, spec.name)
      await mkdir(join(home, 'home'), { recursive: true })
      const port = await freePort()
      const config = join(home, 'agent.yaml')
      await writeFile(
        config,
        [
          `agentId: ${run}-${spec.name}`,
          'services:',
          '  web:',
          `    repository: ${repository}`,
          `    ports: ["127.0.0.1:${port}:8080"]`,
          `    network: ${run}-net`,
          ...(blueGreen ? ['    strategy: blue-green'] : []),
          ...(spec.serviceLines ?? []),
          '    stopTimeout: 2',
          '    healthCheck:',
          '      http: { path: /health, port: 8080 }',
          '      interval: 0.2',
          '      startPeriod: 1',
          '      retries: 2',
          '',
        ].join('\n'),
      )
      const socket = join(home, 'agent.sock')
      const proxySocket = join(home, 'proxy.sock')
      if (blueGreen) proxies.push(await startProxy(proxySocket, join(home, 'routes.json')))
      const agent = await startAgent(socket, {
        ...aws.env(),
        HOME: join(home, 'home'),
        ECR_DEPLOY_AGENT_CONFIG: config,
        ECR_DEPLOY_AGENT_STATE_DIR: join(home, 'state'),
        ...(blueGreen ? { ECR_DEPLOY_PROXY_SOCKET: proxySocket } : {}),
        ...(options.desiredStateJob ? {} : { ECR_DEPLOY_AGENT_CRON_DESIRED_STATE: 'off' }),
      })
      instances.push({ id: spec.id, name: spec.name, port, agent })
      aws.ssm.addInstance({
        id: spec.id,
        tags: { Role: 'web' },
        env: { PATH: `${bin}:${process.env.PATH ?? ''}`, ECR_DEPLOY_AGENT_SOCKET: socket, NODE_OPTIONS: '' },
      })
    }
    await installDeployDocument(aws, ground.region)
  } catch (error) {
    await stop()
    throw error
  }
  return { instances, repository, stop }
}

/** What the service answers on `/`, or "nothing". */
export async function served(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined)
  return res ? (await res.text()).trim() : 'nothing'
}
