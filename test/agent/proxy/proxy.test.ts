import { mkdtempSync, readFileSync, statSync } from 'node:fs'
import { connect, createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { ProxyClient } from '../../../agent/proxy/proxy-client.ts'
import { ProxyError } from '../../../shared/errors.ts'
import { until } from '../../ground/until.ts'
import { freePort } from '../../support/free-port.ts'
import { startProxy } from '../../support/proxy-process.ts'

/** A TCP server that answers every line with `<name>:<line>`. */
async function echo(t: Test, name: string): Promise<number> {
  const server: Server = createServer((socket) => {
    socket.setEncoding('utf8')
    socket.on('data', (data: string) => socket.write(`${name}:${data}`))
    socket.on('error', () => {})
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => {
    server.close()
  })
  const address = server.address()
  return typeof address === 'object' && address ? address.port : 0
}

/** Opens a connection; each say() sends a line and resolves with the answer. */
async function open(port: number) {
  const socket = connect({ host: '127.0.0.1', port })
  socket.setEncoding('utf8')
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject))
  return {
    socket,
    say: (line: string) =>
      new Promise<string>((resolve, reject) => {
        socket.once('data', (data: string) => resolve(data))
        socket.once('error', reject)
        socket.write(line)
      }),
  }
}

t.test(
  'forwards plain TCP, switches new connections only, and resumes from disk after a restart',
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'proxy-test-'))
    const socketPath = join(dir, 'run', 'proxy.sock')
    const stateFile = join(dir, 'state', 'routes.json')
    let proxy = await startProxy(socketPath, stateFile)
    t.teardown(() => proxy.stop())
    const client = new ProxyClient(socketPath)
    const [blue, green, listenPort] = await Promise.all([echo(t, 'blue'), echo(t, 'green'), freePort()])
    const listen = { host: '127.0.0.1', port: listenPort }

    t.equal(statSync(socketPath).mode & 0o777, 0o600, 'the control socket is root-only')
    await client.route('web/8080', listen, { host: '127.0.0.1', port: blue })
    const before = await open(listenPort)
    t.teardown(() => before.socket.destroy())
    t.equal(await before.say('a'), 'blue:a')
    t.strictSame((await client.status()).connections, { [`127.0.0.1:${blue}`]: 1 })

    await client.route('web/8080', listen, { host: '127.0.0.1', port: green })
    const after = await open(listenPort)
    t.equal(await after.say('b'), 'green:b', 'a new connection reaches the new upstream')
    t.equal(await before.say('c'), 'blue:c', 'the connection opened before the switch stays on the old one')
    t.strictSame((await client.status()).connections, {
      [`127.0.0.1:${blue}`]: 1,
      [`127.0.0.1:${green}`]: 1,
    })
    before.socket.end()
    after.socket.end()
    const drained = await until('closed connections to leave the count', async () => {
      const { connections } = await client.status()
      return Object.keys(connections).length === 0 ? connections : undefined
    })
    t.strictSame(drained, {}, 'closed connections are no longer counted')
    t.match(JSON.parse(readFileSync(stateFile, 'utf8')), {
      generation: 2,
      routes: [{ name: 'web/8080', listen, upstream: { host: '127.0.0.1', port: green }, generation: 2 }],
    })

    await proxy.stop('SIGKILL')
    proxy = await startProxy(socketPath, stateFile)
    const resumed = await open(listenPort)
    t.teardown(() => resumed.socket.destroy())
    t.equal(
      await resumed.say('d'),
      'green:d',
      'a restarted proxy forwards to the same upstream, no agent needed',
    )
  },
)

t.test(
  'refuses bad requests with a message, and the client names the socket when nothing listens',
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'proxy-test-'))
    const socketPath = join(dir, 'proxy.sock')
    const proxy = await startProxy(socketPath, join(dir, 'routes.json'))
    t.teardown(() => proxy.stop())
    const client = new ProxyClient(socketPath)
    await t.rejects(
      client.route('web/8080', { host: '127.0.0.1', port: 0 }, { host: '127.0.0.1', port: 1 }),
      { name: 'ProxyError', message: /listen: expected \{"host": "<address>", "port": 1-65535\}/ },
    )
    const taken = await echo(t, 'taken')
    await t.rejects(
      client.route('web/8080', { host: '127.0.0.1', port: taken }, { host: '127.0.0.1', port: 1 }),
      { message: /EADDRINUSE/ },
    )
    await t.rejects(new ProxyClient(join(dir, 'none.sock')).status(), ProxyError)
    await t.rejects(new ProxyClient(join(dir, 'none.sock')).status(), {
      message: /cannot reach the proxy at .*none\.sock: ENOENT/,
    })
  },
)
