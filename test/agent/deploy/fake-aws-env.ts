import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import type { FakeAws } from '../../ground/fake-aws/index.ts'
import { loadGround } from '../../ground/ground.ts'
import { startFakeOnGround } from '../../support/ground-aws.ts'

/**
 * Starts the fake AWS for this test file and points the process's AWS environment at it, the way
 * an EC2 instance looks to the SDK: no keys in the environment, a role behind IMDSv2, and an empty
 * HOME so that no profile interferes and any file the agent wrote there would show. The test's
 * teardown puts every variable it changed back, so later tests in the file see the environment they had.
 */
export async function useFakeAws(
  t: Test,
): Promise<{ aws: FakeAws; home: string; dockerConfigWritten: () => boolean }> {
  const ground = loadGround()
  const aws = await startFakeOnGround(ground)
  t.teardown(() => aws.close())
  const home = mkdtempSync(join(tmpdir(), 'agent-home-'))
  const changes: Record<string, string | undefined> = {
    AWS_ACCESS_KEY_ID: undefined,
    AWS_SECRET_ACCESS_KEY: undefined,
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
    ...aws.env(),
    HOME: home,
  }
  const saved = Object.entries(changes).map(([name]) => [name, process.env[name]] as const)
  t.teardown(() => {
    for (const [name, value] of saved) setOrDelete(name, value)
  })
  for (const [name, value] of Object.entries(changes)) setOrDelete(name, value)
  return { aws, home, dockerConfigWritten: () => existsSync(join(home, '.docker')) }
}

function setOrDelete(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name]
  else process.env[name] = value
}
