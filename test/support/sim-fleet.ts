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
  /** The agent's socket, for `ecr-deploy-agent --socket <it> history`. */
  readonly socket: string
  readonly agent: AgentProcess
}

export interface SimFleet {
  readonly instances: readonly SimInstance[]
  readonly repository: string
  /** Starts one more instance and its agent (as Auto Scaling would launch one), tagged Role=web. */
  add(spec: SimInstanceSpec): Promise<SimInstance>
  /** Takes an instance offline: its agent stops (SIGTERM, as systemd stops it) and SSM cannot reach it. */
  takeOffline(instance: SimInstance): Promise<void>
  /** Brings it back: its agent starts again with the same files, and SSM reaches it. */
  bringOnline(instance: SimInstance): Promise<void>
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
  /** The `environment:` each agent.yaml names, as the controller's `--environment`. Default `prod`. */
  readonly environment?: string
  /**
   * The Docker socket of each instance's own engine (its agent gets it as DOCKER_HOST), for tests that need
   * an image store per instance. Default: every instance uses the ground's dockerd.
   */
  readonly engineFor?: (spec: SimInstanceSpec, index: number) => string
}

/**
 * The desired-state job runs as an installed agent runs it (each agent at its own offset inside the
 * interval), only at a two-second interval instead of two minutes so that a test sees several runs.
 */
export const DESIRED_STATE_SCHEDULE = '*/2 * * * * *'

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
  const run = `fleet-${process.pid}-${Date.now().toString(36)}`
  const dir = await mkdtemp(join(tmpdir(), 'sim-fleet-'))
  const repository = `${ground.registryHost}/${ground.images.v1.repository}`
  // Each engine the fleet runs on, with the network its instances' containers join there.
  const engines = new Map<string, Promise<{ docker: Docker; network: Docker.Network }>>()
  const engine = (socketPath: string) => {
    let found = engines.get(socketPath)
    if (found === undefined) {
      const docker = new Docker({ socketPath })
      found = docker
        .createNetwork({ Name: `${run}-net`, Driver: 'bridge' })
        .then((network) => ({ docker, network }))
      engines.set(socketPath, found)
    }
    return found
  }
  const instances: SimInstance[] = []
  const proxies: ProxyProcess[] = []
  const restarts = new Map<SimInstance, () => Promise<void>>()
  const stop = async () => {
    for (const instance of instances) instance.agent.child.kill('SIGKILL')
    await Promise.all(proxies.map((proxy) => proxy.stop()))
    for (const created of engines.values()) {
      const { docker, network } = await created.catch(() => ({ docker: undefined, network: undefined }))
      if (docker === undefined || network === undefined) continue
      const containers = await docker.listContainers({
        all: true,
        filters: { label: ['ecr-deploy.service=web'] },
      })
      const ours = containers.filter((c) => c.Labels['ecr-deploy.agent']?.startsWith(run))
      await Promise.all(ours.map((c) => docker.getContainer(c.Id).remove({ force: true })))
      await network.remove().catch(() => undefined)
    }
    await rm(dir, { recursive: true, force: true })
  }
  const bin = join(dir, 'bin')
  const add = async (spec: SimInstanceSpec): Promise<SimInstance> => {
    const socketPath = options.engineFor?.(spec, instances.length)
    await engine(socketPath ?? ground.dockerSocket)
    const home = join(dir, spec.name)
    await mkdir(join(home, 'home'), { recursive: true })
    const port = await freePort()
    const config = join(home, 'agent.yaml')
    await writeFile(
      config,
      [
        `agentId: ${run}-${spec.name}`,
        `environment: ${options.environment ?? 'prod'}`,
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
    const env = {
      ...aws.env(),
      HOME: join(home, 'home'),
      ECR_DEPLOY_AGENT_CONFIG: config,
      ECR_DEPLOY_AGENT_STATE_DIR: join(home, 'state'),
      ECR_DEPLOY_AGENT_CRON_DESIRED_STATE: DESIRED_STATE_SCHEDULE,
      // Each agent's AWS calls carry its instance name (the fake records it as `appId`).
      AWS_SDK_UA_APP_ID: simAppId(spec.name),
      ...(blueGreen ? { ECR_DEPLOY_PROXY_SOCKET: proxySocket } : {}),
      ...(socketPath === undefined ? {} : { DOCKER_HOST: `unix://${socketPath}` }),
    }
    let agent = await startAgent(socket, env)
    const instance = {
      id: spec.id,
      name: spec.name,
      port,
      socket,
      get agent() {
        return agent
      },
    }
    restarts.set(instance, async () => {
      agent = await startAgent(socket, env)
    })
    instances.push(instance)
    aws.ssm.addInstance({
      id: spec.id,
      tags: { Role: 'web' },
      env: { PATH: `${bin}:${process.env.PATH ?? ''}`, ECR_DEPLOY_AGENT_SOCKET: socket, NODE_OPTIONS: '' },
    })
    return instance
  }
  try {
    await mkdir(bin)
    // The shipped executable, found on PATH by the document as on an instance.
    await symlink(agentExecutable(), join(bin, 'ecr-deploy-agent'))
    for (const spec of specs) await add(spec)
    await installDeployDocument(aws, ground.region)
  } catch (error) {
    await stop()
    throw error
  }
  const takeOffline = async (instance: SimInstance) => {
    aws.ssm.setOnline(instance.id, false)
    instance.agent.child.kill('SIGTERM')
    await instance.agent.exited
  }
  const bringOnline = async (instance: SimInstance) => {
    await restarts.get(instance)?.()
    aws.ssm.setOnline(instance.id, true)
  }
  return { instances, repository, add, takeOffline, bringOnline, stop }
}

/** The `appId` the fake records for the AWS calls of an instance's agent. */
export function simAppId(name: string): string {
  return `sim-${name}`
}

/** What the service answers on `/`, or "nothing". */
export async function served(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined)
  return res ? (await res.text()).trim() : 'nothing'
}
