import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import { type FakeAws, startFakeAws } from '../../ground/fake-aws/index.js'
import { loadGround } from '../../ground/ground.js'

/**
 * Starts the fake AWS for this test file and points the process's AWS environment at it, the way
 * an EC2 instance looks to the SDK: no keys in the environment, a role behind IMDSv2, and an empty
 * HOME so that no profile interferes and any file the agent wrote there would show.
 */
export async function useFakeAws(
  t: Test,
): Promise<{ aws: FakeAws; home: string; dockerConfigWritten: () => boolean }> {
  const ground = loadGround()
  const aws = await startFakeAws({
    registry: {
      url: ground.registryUrl,
      user: ground.registryUser,
      password: ground.registryPassword,
      ca: ground.caCertPath,
    },
  })
  t.teardown(() => aws.close())
  const home = mkdtempSync(join(tmpdir(), 'agent-home-'))
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) {
    delete process.env[name]
  }
  Object.assign(process.env, aws.env(), { HOME: home })
  return { aws, home, dockerConfigWritten: () => existsSync(join(home, '.docker')) }
}
