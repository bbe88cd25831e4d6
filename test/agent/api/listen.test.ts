import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { listenOnSocket } from '../../../agent/api/listen.ts'
import { buildServer } from '../../../agent/api/server.ts'
import { FakeDeployer } from '../../support/fake-deployer.ts'

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'agent-listen-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

function app() {
  const server = buildServer({
    deployer: new FakeDeployer(),
    reload: async () => ({ services: [], message: '' }),
  })
  t.teardown(() => server.close())
  return server
}

function getHealth(socketPath: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path: '/health', method: 'GET' }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        body += chunk
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

t.test('listens on a root-only socket in a directory it creates 0700', async (t) => {
  const socketPath = join(await tempDir(), 'run', 'agent.sock')
  await listenOnSocket(app(), socketPath)
  t.equal((await stat(socketPath)).mode & 0o777, 0o600)
  t.equal((await stat(join(socketPath, '..'))).mode & 0o777, 0o700)
  const res = await getHealth(socketPath)
  t.equal(res.status, 200)
  t.match(JSON.parse(res.body), { status: 'ok' })
})

t.test('a live daemon on the socket is never displaced, and a non-socket file is refused', async (t) => {
  const socketPath = join(await tempDir(), 'agent.sock')
  const other = createServer()
  await new Promise<void>((resolve) => other.listen(socketPath, resolve))

  const live = app()
  await t.rejects(listenOnSocket(live, socketPath), {
    code: 'E_USAGE',
    message: new RegExp(`another agent daemon is already listening on ${socketPath}`),
  })
  other.close()
  await writeFile(`${socketPath}.tmp`, '')
  await t.rejects(listenOnSocket(app(), `${socketPath}.tmp`), { message: /exists and is not a socket/ })
})

t.test('a socket file with nobody behind it is removed and reused', async (t) => {
  const socketPath = join(await tempDir(), 'agent.sock')
  const { spawnSync } = await import('node:child_process')
  // A child process that binds the socket and is killed leaves the file behind, as a crashed daemon would.
  const script = `require('net').createServer().listen(${JSON.stringify(socketPath)}, () => process.kill(process.pid, 'SIGKILL'))`
  spawnSync(process.execPath, ['-e', script])
  t.ok((await stat(socketPath)).isSocket(), 'the stale socket file is there')
  await listenOnSocket(app(), socketPath)
  t.equal((await getHealth(socketPath)).status, 200)
})
