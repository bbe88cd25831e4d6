import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { runCli } from '../../support/run-agent-cli.ts'

/* `serve` failures that happen before any container is touched: they exit 2, which systemd does not retry. */

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'agent-serve-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

t.test('an unreadable configuration stops the daemon at once with the path in the message', async (t) => {
  const dir = await tempDir()
  const config = join(dir, 'missing.yaml')
  const run = await runCli(['serve', '--socket', join(dir, 'agent.sock'), '--config', config])
  t.equal(run.code, 2)
  t.equal(
    run.stderr.split('\n')[0],
    `error [E_CONFIG_INVALID]: ${config}: cannot read the configuration file (ENOENT)`,
  )
})

t.test('a second daemon refuses to take over a socket another one answers on', async (t) => {
  const dir = await tempDir()
  const socket = join(dir, 'agent.sock')
  const config = join(dir, 'agent.yaml')
  await writeFile(config, 'agentId: serve-test\nservices: {}\n')
  const other = createServer()
  await new Promise<void>((resolve) => other.listen(socket, resolve))
  t.teardown(() => other.close())
  const run = await runCli(['serve', '--socket', socket, '--config', config], {
    ECR_DEPLOY_AGENT_STATE_DIR: join(dir, 'state'),
    AWS_REGION: 'us-east-1',
  })
  t.equal(run.code, 2)
  t.match(run.stderr, `error [E_USAGE]: another agent daemon is already listening on ${socket}`)
})
