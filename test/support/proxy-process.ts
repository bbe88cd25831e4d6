import { type ChildProcess, spawn } from 'node:child_process'
import { connect } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { agentExecutable } from './agent-executable.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** A running proxy (`ecr-deploy-agent proxy`); stop() kills it and waits for the exit. */
export interface ProxyProcess {
  readonly child: ChildProcess
  output(): string
  stop(signal?: NodeJS.Signals): Promise<void>
}

/** The agent executable's `proxy` command, as the installed unit runs it: what ships is what is tested. */
export async function startProxy(socketPath: string, stateFile: string): Promise<ProxyProcess> {
  const child = spawn(agentExecutable(), ['proxy'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      ECR_DEPLOY_PROXY_SOCKET: socketPath,
      ECR_DEPLOY_PROXY_STATE: stateFile,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const stop = async (signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal)
    await exited
  }
  const deadline = Date.now() + 20_000
  while (!(await answers(socketPath))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop()
      throw new Error(`the proxy did not come up on ${socketPath}:\n${output}`)
    }
    await sleep(50)
  }
  return { child, output: () => output, stop }
}

function answers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(socketPath)
    socket.on('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.on('error', () => resolve(false))
  })
}
