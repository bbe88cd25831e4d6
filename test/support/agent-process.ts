import { type ChildProcess, spawn } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { socketAnswers } from '../../agent/net/socket-answers.ts'
import { agentExecutable } from './agent-executable.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** A running `ecr-deploy-agent serve`: the shipped executable, started the way systemd starts it. */
export interface AgentProcess {
  readonly child: ChildProcess
  /** Everything the daemon logged (JSON lines on stdout, for journald) and wrote on stderr. */
  output(): string
  /** Resolves with the exit code (or signal) once the process is gone. */
  readonly exited: Promise<number | string>
}

export async function startAgent(socketPath: string, env: Record<string, string>): Promise<AgentProcess> {
  const child = spawn(agentExecutable(), ['serve', '--socket', socketPath], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  )
  const agent = { child, output: () => output, exited }
  const deadline = Date.now() + 30_000
  while (!(await socketAnswers(socketPath))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`the agent did not come up on ${socketPath}:\n${output}`)
    }
    await sleep(100)
  }
  return agent
}

/** Polls until `check` returns a value, or throws naming `what` (with the agent output) on timeout. */
export async function eventually<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined>,
  agent?: AgentProcess,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${agent?.output() ?? ''}`)
    }
    await sleep(250)
  }
}

/** A CLI `deploy` left running (killed at teardown), to act on the daemon in the middle of it. */
export function deployInBackground(
  t: { teardown(fn: () => void): void },
  socketPath: string,
  home: string,
  image: string,
): { progress: () => string; exit: Promise<number | null> } {
  const args = ['--socket', socketPath, 'deploy', '--service', 'web', '--image', image]
  const child = spawn(agentExecutable(), args, {
    env: { ...process.env, HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  t.teardown(() => {
    child.kill('SIGKILL')
  })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { progress: () => output, exit }
}
