import { type ChildProcess, spawn } from 'node:child_process'
import { connect } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const MAIN = fileURLToPath(new URL('../../../agent/proxy/main.ts', import.meta.url))
const BUILT = fileURLToPath(new URL('../../../dist/agent/proxy/main.js', import.meta.url))

/** A running `ecr-deploy-proxy`, from source; stop() kills it and waits for the exit. */
export interface ProxyProcess {
  readonly child: ChildProcess
  output(): string
  stop(signal?: NodeJS.Signals): Promise<void>
}

/** From source by default; `built` runs dist/ as installed (benchmarks, after npm run build). */
export async function startProxy(
  socketPath: string,
  stateFile: string,
  built = false,
): Promise<ProxyProcess> {
  const child = spawn(process.execPath, built ? [BUILT] : ['--import', 'tsx', MAIN], {
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
