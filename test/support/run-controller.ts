import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { FakeAws } from '../ground/fake-aws/index.ts'

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
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    ...aws.env(),
    AWS_ACCESS_KEY_ID: 'AKIDCONTROLLER',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extraEnv,
  }
  return run(process.execPath, [join(root, 'controller/cli.ts'), ...args], {
    env,
    cwd: root,
  }).then(
    (out) => ({ code: 0, stdout: out.stdout, stderr: out.stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      stdout: error.stdout,
      stderr: error.stderr,
    }),
  )
}
