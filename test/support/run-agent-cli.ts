import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { runAgentCli } from '../../agent/cli/program.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const MAIN = fileURLToPath(new URL('../../agent/cli/main.ts', import.meta.url))

export interface CliRun {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  /** stdout split into lines, without the empty last one. */
  readonly lines: readonly string[]
}

/** Runs the agent CLI from source, as a separate process, the way SSM runs it. */
export function runCli(args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, ECR_DEPLOY_AGENT_SOCKET: '', ...env },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    child.on('error', reject)
    child.on('close', (code) => {
      resolve({ code, stdout, stderr, lines: stdout.split('\n').filter((line) => line !== '') })
    })
  })
}

/**
 * Runs the agent CLI's program in this process, its output caught instead of printed: the same program the
 * bin runs, without a process start each call. `runCli` is for what only a real process shows (the bin,
 * the environment, the streams).
 */
export async function runCliInProcess(args: readonly string[]): Promise<CliRun> {
  let stdout = ''
  let stderr = ''
  const code = await runAgentCli(['node', 'ecr-deploy-agent', ...args], {
    out: (text) => {
      stdout += `${text}\n`
    },
    err: (text) => {
      stderr += `${text}\n`
    },
    now: () => Date.now(),
  })
  return { code, stdout, stderr, lines: stdout.split('\n').filter((line) => line !== '') }
}

/** The JSON result line the controller parses: always the last stdout line. */
export function lastJson(run: CliRun): Record<string, unknown> {
  return JSON.parse(run.lines.at(-1) ?? 'null') as Record<string, unknown>
}
