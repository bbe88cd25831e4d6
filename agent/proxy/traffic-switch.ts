import type { Address, ProxyStatus } from './routes.ts'

/**
 * The deploy engine's view of the proxy that holds a blue-green service's public port. The one
 * implementation talks to `ecr-deploy-proxy` over its control socket (proxy-client.ts); unit tests
 * use a hand-written fake. Methods throw ProxyError when the proxy cannot be reached or refuses.
 */
export interface TrafficSwitch {
  /**
   * Sends new connections on `listen` to `upstream` from now on, atomically; connections already
   * open stay on the upstream they started with. Resolves once the change is on the proxy's disk.
   */
  route(name: string, listen: Address, upstream: Address): Promise<void>
  /**
   * Stops listening on the route's public port and forgets the route; connections already open finish.
   * Used when a service leaves blue-green, so that its own container can take the port again.
   */
  remove(name: string): Promise<void>
  /** The routes, and the open connections per upstream, old upstreams included. */
  status(): Promise<ProxyStatus>
}
