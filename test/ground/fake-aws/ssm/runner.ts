import { spawn } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

/** What one aws:runShellScript step produced. */
export interface ScriptResult {
  readonly exitCode: number
  readonly stdout: string
  readonly stderr: string
  readonly timedOut: boolean
  readonly cancelled: boolean
  readonly startedAt: number
  readonly endedAt: number
}

/** One script to run for one instance. */
export interface ScriptRun {
  readonly lines: readonly string[]
  readonly env: Record<string, string>
  readonly timeoutMs: number
  readonly workingDirectory?: string
  readonly signal?: AbortSignal
  readonly now: () => number
}

/** Output kept in memory per stream; SSM keeps far less, this only bounds a runaway script. */
const CAPTURE_LIMIT = 1024 * 1024
/** Exit code SSM Agent reports for a plugin it stopped (128 + SIGKILL). */
export const STOPPED_EXIT_CODE = 137
/** A script whose children keep its pipes open is treated as done this long after bash exits. */
const PIPE_GRACE_MS = 1000

/**
 * Runs the step the way SSM Agent does: the lines become a script file run by bash in a fresh working
 * directory, in a new process group so a timeout or cancel kills the whole tree.
 */
export async function runShellScript(run: ScriptRun): Promise<ScriptResult> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'fake-ssm-run-'))
  const script = path.join(dir, '_script.sh')
  const cwd = run.workingDirectory ?? path.join(dir, 'work')
  if (run.workingDirectory === undefined) await mkdir(cwd)
  await writeFile(script, `${run.lines.join('\n')}\n`, { mode: 0o700 })
  const startedAt = run.now()
  try {
    return await new Promise<ScriptResult>((resolve) => {
      const child = spawn('bash', [script], {
        cwd,
        env: run.env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let stdout = ''
      let stderr = ''
      let timedOut = false
      let cancelled = false
      let exitCode: number | undefined
      const killGroup = (): void => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL')
        } catch {
          // the group is already gone
        }
      }
      const timer = setTimeout(() => {
        timedOut = true
        killGroup()
      }, run.timeoutMs)
      const onAbort = (): void => {
        cancelled = true
        killGroup()
      }
      run.signal?.addEventListener('abort', onAbort, { once: true })
      child.stdout.on('data', (chunk: Buffer) => {
        if (stdout.length < CAPTURE_LIMIT) stdout += chunk.toString()
      })
      child.stderr.on('data', (chunk: Buffer) => {
        if (stderr.length < CAPTURE_LIMIT) stderr += chunk.toString()
      })
      let settled = false
      const finish = (): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        run.signal?.removeEventListener('abort', onAbort)
        const code = timedOut || cancelled ? STOPPED_EXIT_CODE : (exitCode ?? 1)
        resolve({ exitCode: code, stdout, stderr, timedOut, cancelled, startedAt, endedAt: run.now() })
      }
      child.on('error', (error) => {
        stderr += `${error.message}\n`
        exitCode = 127
        finish()
      })
      child.on('exit', (code, signal) => {
        exitCode = code ?? (signal === null ? 1 : 128 + (os.constants.signals[signal] ?? 0))
        setTimeout(finish, PIPE_GRACE_MS).unref()
      })
      child.on('close', finish)
    })
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
