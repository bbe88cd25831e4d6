import { randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Docker from 'dockerode'
import { pino } from 'pino'
import type { Test } from 'tap'
import { createDeployer } from '../../agent/deploy/create-deployer.ts'
import type { Deployer } from '../../agent/deploy/deployer.ts'
import { DockerodeEngine } from '../../agent/docker/dockerode-engine.ts'
import { EcrRegistryAuth } from '../../agent/ecr/ecr-registry-auth.ts'
import { systemClock } from '../../agent/health/clock.ts'
import { ProxyClient } from '../../agent/proxy/proxy-client.ts'
import type { TrafficSwitch } from '../../agent/proxy/traffic-switch.ts'
import { ParameterStore } from '../../agent/ssm/parameter-store.ts'
import { FileStateStore } from '../../agent/state/file-state-store.ts'
import { parseConfig } from '../../shared/agent-config/parse.ts'
import { ProxyError } from '../../shared/errors.ts'
import { type Ground, loadGround } from '../ground/ground.ts'
import { removeAgentContainers } from './deploy-harness.ts'
import { freePort } from './free-port.ts'
import { type ProxyProcess, startProxy } from './proxy-process.ts'

/** How `web` is configured; `retired`: it is no longer in the file. */
type Strategy = 'blue-green' | 'recreate' | 'retired'

export interface BlueGreenHarness {
  readonly ground: Ground
  readonly agentId: string
  /** The public port, held by the proxy. */
  readonly port: number
  readonly docker: DockerodeEngine
  readonly proxyClient: ProxyClient
  proxy: ProxyProcess
  /**
   * A fresh Deployer over the same state directory, as a restarted agent builds it; `strategy` is the
   * one service `web` is configured with (the same service otherwise, to move it between strategies),
   * or `retired` for a configuration without it.
   */
  newDeployer(traffic?: TrafficSwitch, strategy?: Strategy): Deployer
  restartProxy(): Promise<void>
}

/**
 * A real `ecr-deploy-proxy` process (own socket and routes file) and Deployers over the real dockerd
 * and ECR-shaped registry for one blue-green service `web`. Everything is removed at teardown.
 */
export async function startBlueGreen(t: Test, drainTimeout = 5): Promise<BlueGreenHarness> {
  const ground = loadGround()
  const agentId = `bg${randomBytes(4).toString('hex')}`
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'agent-blue-green-'))
  const socketPath = join(dir, 'proxy.sock')
  const stateFile = join(dir, 'proxy', 'routes.json')
  const docker = new DockerodeEngine()
  const network = await ownNetwork(`${agentId}-net`)
  t.teardown(async () => {
    await removeAgentContainers(docker, agentId)
    await network.remove()
  })
  const proxyClient = new ProxyClient(socketPath)
  const configOf = (strategy: 'blue-green' | 'recreate') =>
    parseConfig(
      `agentId: ${agentId}
services:
  web:
    repository: ${ground.registryHost}/ecr-ssm-deploy/app
    strategy: ${strategy}
    drainTimeout: ${drainTimeout}
    ports: ["127.0.0.1:${port}:8080"]
    network: ${agentId}-net
    stopTimeout: 3
    healthCheck: { http: { path: /health, port: 8080 }, interval: 0.2, timeout: 1, startPeriod: 1, retries: 3 }
`,
      '/etc/ecr-deploy/agent.yaml',
      'unused',
    )
  const configs = {
    'blue-green': configOf('blue-green'),
    recreate: configOf('recreate'),
    // `web` taken out of the file; another service keeps the file valid.
    retired: parseConfig(
      `agentId: ${agentId}\nservices:\n  api:\n    repository: ${ground.registryHost}/ecr-ssm-deploy/other\n`,
      '/etc/ecr-deploy/agent.yaml',
      'unused',
    ),
  }
  const state = new FileStateStore(join(dir, 'state'))
  const harness: BlueGreenHarness = {
    ground,
    agentId,
    port,
    docker,
    proxyClient,
    proxy: await startProxy(socketPath, stateFile),
    newDeployer: (traffic = proxyClient, strategy = 'blue-green') =>
      createDeployer({
        config: () => configs[strategy],
        docker,
        registryAuth: new EcrRegistryAuth(),
        parameters: new ParameterStore(),
        state,
        clock: systemClock,
        logger: pino({ level: 'silent' }),
        traffic,
      }),
    async restartProxy() {
      await harness.proxy.stop('SIGKILL')
      harness.proxy = await startProxy(socketPath, stateFile)
    },
  }
  t.teardown(() => harness.proxy.stop())
  return harness
}

/**
 * A bridge network Docker creates, hence with a fixed MAC address. This machine's docker0 was made
 * outside Docker: its MAC follows the lowest attached port, so it changes as containers come and go, and
 * running containers then answer the host through a stale ARP entry for seconds, stalling connections.
 */
export async function ownNetwork(name: string): Promise<{ remove(): Promise<void> }> {
  const api = new Docker({ socketPath: loadGround().dockerSocket })
  const network = await api.createNetwork({ Name: name, Driver: 'bridge' })
  return { remove: () => network.remove().catch(() => undefined) }
}

/**
 * The agent "dies" just as it would switch: the route call never returns. `atSwitch` resolves when the
 * deploy reaches it; the test then drops that Deployer, as a killed agent would.
 */
export function dyingSwitch(client: TrafficSwitch): { traffic: TrafficSwitch; atSwitch: Promise<void> } {
  let reached = (): void => {}
  const atSwitch = new Promise<void>((resolve) => {
    reached = resolve
  })
  const traffic: TrafficSwitch = {
    route: () => {
      reached()
      return new Promise(() => {})
    },
    remove: (name) => client.remove(name),
    status: () => client.status(),
  }
  return { traffic, atSwitch }
}

/** A proxy that refuses every switch, as one whose public port another process took. */
export function refusingSwitch(client: TrafficSwitch): TrafficSwitch {
  return {
    route: async () => {
      throw new ProxyError('the proxy at /run/x refused it: listen EADDRINUSE')
    },
    remove: (name) => client.remove(name),
    status: () => client.status(),
  }
}
