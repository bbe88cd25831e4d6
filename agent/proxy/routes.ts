/**
 * The proxy's vocabulary, shared by the proxy process, its state file and the agent's client.
 * Pure: parsing only, so that the control channel and the state file reject the same bad input.
 */

/** A TCP address: where the proxy listens, or where it forwards to. */
export interface Address {
  readonly host: string
  readonly port: number
}

/** One public port of a service: connections accepted on `listen` are forwarded to `upstream`. */
export interface Route {
  /** Stable name chosen by the agent, e.g. `web/8080` (service and container port). */
  readonly name: string
  readonly listen: Address
  readonly upstream: Address
  /** Increases on every change, so that a reader can tell which switch it sees. */
  readonly generation: number
}

/** What `status` reports: the routes, and open connections per upstream `host:port` (old ones too). */
export interface ProxyStatus {
  readonly routes: readonly Route[]
  readonly connections: Readonly<Record<string, number>>
}

/** What the proxy keeps on disk. */
export interface ProxyState {
  readonly generation: number
  readonly routes: readonly Route[]
}

export const EMPTY_STATE: ProxyState = Object.freeze({ generation: 0, routes: [] })

export function addressKey(address: Address): string {
  return `${address.host}:${address.port}`
}

/** The address in `value`, or an Error naming `where`. */
export function parseAddress(value: unknown, where: string): Address {
  const record = value as { host?: unknown; port?: unknown } | null
  if (
    typeof record !== 'object' ||
    record === null ||
    typeof record.host !== 'string' ||
    record.host === '' ||
    !Number.isInteger(record.port) ||
    (record.port as number) < 1 ||
    (record.port as number) > 65535
  ) {
    throw new Error(`${where}: expected {"host": "<address>", "port": 1-65535}`)
  }
  return { host: record.host, port: record.port as number }
}

export function parseRouteName(value: unknown, where: string): string {
  if (typeof value !== 'string' || !/^[a-z0-9][a-z0-9./-]{0,120}$/.test(value)) {
    throw new Error(`${where}: expected a route name such as "web/8080"`)
  }
  return value
}

/** The state file's content; throws an Error saying what is wrong. */
export function parseState(text: string): ProxyState {
  const data = JSON.parse(text) as { generation?: unknown; routes?: unknown }
  if (!Number.isInteger(data.generation) || !Array.isArray(data.routes)) {
    throw new Error('expected {"generation": <integer>, "routes": [...]}')
  }
  const routes = data.routes.map((route: Record<string, unknown>, index: number) => ({
    name: parseRouteName(route.name, `routes[${index}].name`),
    listen: parseAddress(route.listen, `routes[${index}].listen`),
    upstream: parseAddress(route.upstream, `routes[${index}].upstream`),
    generation: Number(route.generation) || 0,
  }))
  return { generation: data.generation as number, routes }
}
