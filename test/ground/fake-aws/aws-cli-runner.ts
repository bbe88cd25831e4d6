import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import type { Test } from 'tap'

/** Debian's AWS CLI v2; a pip v1 `aws` may come first on PATH, so it is always called by path. */
export const AWS_CLI = '/usr/bin/aws'

/** A failed CLI run: exit code and stderr. */
export interface CliFailure {
  readonly code: number | undefined
  readonly stderr: string
}

/**
 * Runs the real CLI against the fake with dummy keys, no pager and an empty HOME (no profile can
 * interfere); `json` parses `--output json`, `fail` returns the failure of a run expected to fail.
 * Fails the test with a clear message when the CLI is not installed, never skips.
 */
export async function awsCli(t: Test, endpoint: string) {
  if (!existsSync(AWS_CLI))
    throw new Error(`${AWS_CLI} is missing: install AWS CLI v2 (Debian package awscli)`)
  const home = await mkdtemp(path.join(os.tmpdir(), 'fake-aws-cli-home-'))
  t.teardown(() => rm(home, { recursive: true, force: true }))
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_PAGER: '',
  }
  const run = (args: string[]) =>
    promisify(execFile)(AWS_CLI, [...args, '--endpoint-url', endpoint, '--output', 'json'], { env })
  return {
    async json(...args: string[]): Promise<Record<string, unknown>> {
      try {
        const { stdout } = await run(args)
        return stdout.trim() === '' ? {} : (JSON.parse(stdout) as Record<string, unknown>)
      } catch (error) {
        const failed = error as { code?: number; stderr?: string }
        throw new Error(`aws ${args.join(' ')} exited ${failed.code}: ${failed.stderr}`)
      }
    },
    async fail(...args: string[]): Promise<CliFailure | undefined> {
      return run(args).then(
        () => undefined,
        (error: { code?: number; stderr?: string }) => ({ code: error.code, stderr: error.stderr ?? '' }),
      )
    },
  }
}
