import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { ProxyClient } from '../../../agent/proxy/proxy-client.ts'
import { agentExecutable } from '../../support/agent-executable.ts'
import { freePort } from '../../support/free-port.ts'
import { startProxy } from '../../support/proxy-process.ts'

t.test(
  'a second proxy on the same control socket is refused with exit 2, and the first keeps its routes',
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'proxy-guard-'))
    const socket = join(dir, 'proxy.sock')
    const first = await startProxy(socket, join(dir, 'routes.json'))
    t.teardown(() => first.stop())
    const client = new ProxyClient(socket)
    const port = await freePort()
    await client.route('web/8080', { host: '127.0.0.1', port }, { host: '127.0.0.1', port: 9 })

    const second = spawn(agentExecutable(), ['proxy'], {
      env: { ECR_DEPLOY_PROXY_SOCKET: socket, ECR_DEPLOY_PROXY_STATE: join(dir, 'other-routes.json') },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    second.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    const code = await new Promise<number | null>((resolve) => second.on('exit', (exit) => resolve(exit)))
    t.equal(code, 2)
    t.match(stderr, /another proxy is running on .*proxy\.sock; stop it first/)
    const status = await client.status()
    t.strictSame(
      status.routes.map((route) => route.name),
      ['web/8080'],
      'the first proxy still answers, with its route',
    )
  },
)

t.test('a route to the metadata service is refused over the control socket; nothing is saved', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'proxy-guard-'))
  const socket = join(dir, 'proxy.sock')
  const proxy = await startProxy(socket, join(dir, 'routes.json'))
  t.teardown(() => proxy.stop())
  const client = new ProxyClient(socket)
  const port = await freePort()
  await t.rejects(
    client.route('web/8080', { host: '127.0.0.1', port }, { host: '169.254.169.254', port: 80 }),
    /169\.254\.169\.254 is neither loopback nor on a Docker bridge/,
  )
  t.strictSame((await client.status()).routes, [], 'no route was taken')
})
