import { once } from 'node:events'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { connect, type Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'

/**
 * The registry as one instance sees it over a network of limited bandwidth: an HTTP CONNECT proxy on
 * 127.0.0.1 that relays TLS to one registry (its certificate is checked end to end by dockerd; the relay
 * sees only bytes) and lets the registry's answers through at `bytesPerSecond`, shared by every connection
 * the instance opens (dockerd downloads up to three layers at once). dockerd is pointed at it with
 * HTTPS_PROXY, as a proxy is configured for dockerd on a host. Any other destination is refused.
 */
export interface ThrottledRelay {
  /** For dockerd's HTTPS_PROXY. */
  readonly url: string
  /** Bytes relayed from the registry so far. */
  readonly bytes: () => number
  close(): Promise<void>
}

export interface RelayOptions {
  /** `host:port` of the registry as clients name it in CONNECT. */
  readonly allow: string
  readonly bytesPerSecond: number
}

/**
 * A virtual-time scheduler: each chunk is due `size / rate` after the one before, or now if the link was
 * idle. Chunks queue in the order they come, whichever connection they belong to.
 */
class Link {
  readonly #rate: number
  #due = 0
  constructor(bytesPerSecond: number) {
    this.#rate = bytesPerSecond
  }
  /** Milliseconds until a chunk of `size` bytes, sent now, has passed at the link's rate. */
  reserve(size: number): number {
    const now = performance.now()
    this.#due = Math.max(this.#due, now) + (size / this.#rate) * 1000
    return this.#due - now
  }
}

/**
 * Relays `from` to `to`, pausing `from` after each chunk until the link has carried it (and `to` has
 * drained): the sender sees the rate as TCP back-pressure, as on a slow network.
 */
function relayAtRate(from: Socket, to: Socket, link: Link, count: (n: number) => void): void {
  from.on('data', (chunk: Buffer) => {
    count(chunk.length)
    const wait = link.reserve(chunk.length)
    const flushed = to.write(chunk)
    if (wait <= 1 && flushed) return
    from.pause()
    void Promise.all([sleep(wait), flushed ? undefined : once(to, 'drain')]).then(
      () => from.resume(),
      () => from.destroy(),
    )
  })
  from.on('end', () => to.end())
}

export async function startThrottledRelay(options: RelayOptions): Promise<ThrottledRelay> {
  const link = new Link(options.bytesPerSecond)
  const sockets = new Set<Socket>()
  let relayed = 0
  const server = createServer((_req, res) => {
    res.writeHead(405).end('CONNECT only\n')
  })
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    sockets.add(client)
    client.on('close', () => sockets.delete(client))
    if (req.url !== options.allow) {
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n')
      return
    }
    const [host = '', port = ''] = options.allow.split(':')
    const upstream = connect({ host, port: Number(port) })
    sockets.add(upstream)
    upstream.on('close', () => sockets.delete(upstream))
    upstream.once('connect', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      if (head.length > 0) upstream.write(head)
      relayAtRate(upstream, client, link, (n) => {
        relayed += n
      })
      client.pipe(upstream)
    })
    // Either side going away takes the other with it, as a dropped connection would.
    upstream.on('error', () => client.destroy())
    upstream.on('close', () => client.destroy())
    client.on('error', () => upstream.destroy())
    client.on('close', () => upstream.destroy())
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    bytes: () => relayed,
    close: async () => {
      for (const socket of sockets) socket.destroy()
      server.close()
      await once(server, 'close')
    },
  }
}
