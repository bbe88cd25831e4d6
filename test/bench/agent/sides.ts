import { type ChildProcess, spawn } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { BLOG_FLOW } from './blog-flow.ts'

/** How to run the agent's CLI: the shipped executable, or `node dist/agent/cli/main.js`. */
export interface AgentCommand {
  readonly command: string
  readonly prefix: readonly string[]
}

/** One way of deploying the `web` service to its own port, timed against the others. */
export interface Side {
  readonly label: string
  readonly port: number
  deploy(image: string): Promise<void>
}

export interface AgentSide extends Side {
  readonly daemon: ChildProcess
  readonly socket: string
  readonly agentId: string
  stop(): void
}

/** Runs a command without blocking this event loop (the fake AWS answers from this very process). */
export function exec(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    child.on('error', reject)
    child.on('close', (status) => resolve({ status, stderr }))
  })
}

export interface AgentSideOptions {
  readonly label: string
  readonly cli: AgentCommand
  readonly dir: string
  readonly agentId: string
  readonly repository: string
  readonly network: string
  readonly port: number
  /** The unit's environment plus the fake AWS: what the daemon starts with. */
  readonly env: Record<string, string>
}

/**
 * Starts `serve` with the agent's defaults for the service (stopTimeout 10 s like `docker stop`, Docker's
 * init as PID 1) and waits until `status` answers.
 */
export async function startAgentSide(o: AgentSideOptions): Promise<AgentSide> {
  await mkdir(join(o.dir, 'home'), { recursive: true })
  const config = join(o.dir, 'agent.yaml')
  await writeFile(
    config,
    `agentId: ${o.agentId}\nservices:\n  web:\n    repository: ${o.repository}\n    ports: ["127.0.0.1:${o.port}:8080"]\n    network: ${o.network}\n` +
      '    healthCheck:\n      http: { path: /health, port: 8080 }\n      interval: 0.2\n      startPeriod: 1\n',
  )
  const socket = join(o.dir, 'agent.sock')
  const daemon = spawn(o.cli.command, [...o.cli.prefix, 'serve', '--socket', socket], {
    env: {
      ...o.env,
      HOME: join(o.dir, 'home'),
      ECR_DEPLOY_AGENT_CONFIG: config,
      ECR_DEPLOY_AGENT_STATE_DIR: join(o.dir, 'state'),
    },
    stdio: 'ignore',
  })
  const cli = (args: string[]) =>
    exec(o.cli.command, [...o.cli.prefix, '--socket', socket, ...args], process.env)
  const deadline = Date.now() + 30_000
  while ((await cli(['status'])).status !== 0) {
    if (Date.now() > deadline || daemon.exitCode !== null)
      throw new Error(`${o.label}: the daemon did not answer`)
    await sleep(200)
  }
  return {
    label: o.label,
    port: o.port,
    daemon,
    socket,
    agentId: o.agentId,
    deploy: async (image) => {
      const run = await cli(['deploy', '--service', 'web', '--image', image])
      if (run.status !== 0) throw new Error(`${o.label} deploy of ${image} failed: ${run.stderr}`)
    },
    stop: () => {
      daemon.kill('SIGTERM')
    },
  }
}

export interface BlogSideOptions {
  readonly name: string
  readonly port: number
  readonly network: string
  readonly registryHost: string
  readonly token: string
  /** A throwaway DOCKER_CONFIG, so that `docker login` leaves nothing in ~/.docker. */
  readonly dockerConfig: string
  readonly dockerHost: string
}

export function blogSide(o: BlogSideOptions): Side {
  return {
    label: 'blog flow',
    port: o.port,
    deploy: async (image) => {
      const run = await exec('bash', ['-c', BLOG_FLOW], {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        DOCKER_CONFIG: o.dockerConfig,
        DOCKER_HOST: o.dockerHost,
        TOKEN: o.token,
        IMAGE: image,
        NAME: o.name,
        PORT: String(o.port),
        HOST: o.registryHost,
        NETWORK: o.network,
      })
      if (run.status !== 0) throw new Error(`blog flow deploy of ${image} failed: ${run.stderr}`)
    },
  }
}
