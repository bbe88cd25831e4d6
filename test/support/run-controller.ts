import { type ChildProcess, execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { FakeAws } from '../ground/fake-aws/index.ts'
import { compileCacheEnv } from './compile-cache-env.ts'

const root = new URL('../..', import.meta.url).pathname
const run = promisify(execFile)

export interface ControllerRun {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Runs `ecr-deploy` from source against the fake AWS with CI-style static keys, as a CI step would. */
export function runController(
  aws: FakeAws,
  home: string,
  args: readonly string[],
  extraEnv: Record<string, string> = {},
): Promise<ControllerRun> {
  return startController(aws, home, args, extraEnv).done
}

/** Starts `ecr-deploy` as {@link runController} does, handing back the process too, e.g. to signal it. */
export function startController(
  aws: FakeAws,
  home: string,
  args: readonly string[],
  extraEnv: Record<string, string> = {},
): { readonly child: ChildProcess; readonly done: Promise<ControllerRun> } {
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    ...compileCacheEnv(),
    ...aws.env(),
    AWS_ACCESS_KEY_ID: 'AKIDCONTROLLER',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extraEnv,
  }
  const started = run(process.execPath, [join(root, 'controller/cli.ts'), ...args], {
    env,
    cwd: root,
  })
  const done = started.then(
    (out) => ({ code: 0, stdout: out.stdout, stderr: out.stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      stdout: error.stdout,
      stderr: error.stderr,
    }),
  )
  return { child: started.child, done }
}
