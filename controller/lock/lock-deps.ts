import { randomUUID } from 'node:crypto'
import { clock } from '../deploy-deps.ts'
import type { LockDeps } from './acquire.ts'

/** The line a warning is printed as: a workflow-command warning in GitHub Actions, else `warning: ...`. */
export async function warningLine(text: string, env: NodeJS.ProcessEnv): Promise<string> {
  if (env.GITHUB_ACTIONS !== 'true') return `warning: ${text}\n`
  const { escapeData } = await import('../report/workflow-commands.ts')
  return `::warning::${escapeData(text)}\n`
}

/** The real lock: the SDK's Parameter Store in `region`, the real clock and timers, warnings where CI shows them. */
export async function lockDeps(region: string): Promise<LockDeps> {
  const { SdkLockParameterStore } = await import('../ssm/sdk-lock-parameter.ts')
  // The runner reads workflow commands from stdout, where the report's annotations go too.
  const out = process.env.GITHUB_ACTIONS === 'true' ? process.stdout : process.stderr
  const print = (text: string) => {
    void warningLine(text, process.env).then((line) => out.write(line))
  }
  return {
    store: SdkLockParameterStore.forRegion(region),
    clock,
    timer: (ms, beat) => {
      const handle = setTimeout(() => void beat(), ms)
      // A renewal must never keep the process alive once the deploy has ended.
      handle.unref()
      return () => clearTimeout(handle)
    },
    newToken: randomUUID,
    warn: print,
    onWaiting: (text) => process.stderr.write(`${text}\n`),
  }
}
