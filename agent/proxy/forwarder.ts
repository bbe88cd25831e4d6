import { connect, createServer, type Server, type Socket } from 'node:net'
import { type Address, addressKey, type ProxyStatus, type Route } from './routes.ts'

interface Listener {
  route: Route
  readonly server: Server
}

/**
 * Forwards bytes, never parses them: HTTP, keep-alive, WebSocket and plain TCP all work alike. The
 * upstream is chosen when a connection is accepted and kept for its whole life, so a switch never cuts
 * an established connection; it only sends new ones elsewhere. Counts open connections per upstream
 * so that the agent can wait for the old release to drain.
 */
export class Forwarder {
  readonly #listeners = new Map<string, Listener>()
  readonly #open = new Map<string, number>()

  /** Points `route.name` at its upstream, listening first when the listen address is new or changed. */
  async set(route: Route): Promise<void> {
    const existing = this.#listeners.get(route.name)
    if (existing && addressKey(existing.route.listen) === addressKey(route.listen)) {
      existing.route = route
      return
    }
    // Half-open allowed both ways: a client that shuts down its sending side still gets its answer.
    const listener: Listener = { route, server: createServer({ allowHalfOpen: true }) }
    listener.server.on('connection', (client) => this.#forward(client, listener.route.upstream))
    await listen(listener.server, route.listen)
    this.#listeners.set(route.name, listener)
    // Closing stops accepting only; connections already forwarded finish on their own.
    existing?.server.close()
  }

  remove(name: string): void {
    this.#listeners.get(name)?.server.close()
    this.#listeners.delete(name)
  }

  status(): ProxyStatus {
    return {
      routes: [...this.#listeners.values()].map(({ route }) => route),
      connections: Object.fromEntries([...this.#open].filter(([, count]) => count > 0)),
    }
  }

  close(): void {
    for (const name of [...this.#listeners.keys()]) this.remove(name)
  }

  #forward(client: Socket, upstream: Address): void {
    const key = addressKey(upstream)
    this.#open.set(key, (this.#open.get(key) ?? 0) + 1)
    const server = connect({ host: upstream.host, port: upstream.port, allowHalfOpen: true })
    client.setNoDelay(true)
    server.setNoDelay(true)
    let open = 2
    const closed = (): void => {
      open -= 1
      if (open === 0) this.#open.set(key, (this.#open.get(key) ?? 1) - 1)
    }
    const fail = (): void => {
      client.destroy()
      server.destroy()
    }
    client.on('error', fail).once('close', closed)
    server.on('error', fail).once('close', closed)
    client.pipe(server)
    server.pipe(client)
  }
}

function listen(server: Server, address: Address): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen({ host: address.host, port: address.port, exclusive: true }, () => {
      server.off('error', reject)
      resolve()
    })
  })
}
