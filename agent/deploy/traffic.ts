import type { ServiceConfig } from '../../shared/agent-config/types.ts'
import { ConfigError, ProxyError } from '../../shared/errors.ts'
import type { ContainerInfo } from '../docker/engine.ts'
import type { Address } from '../proxy/routes.ts'
import type { TrafficSwitch } from '../proxy/traffic-switch.ts'
import type { DeployerDeps } from './deps.ts'

/** How often a drain asks the proxy whether the old release still has connections. */
const DRAIN_POLL_MS = 200

/** The proxy route of one public port: the service and the container port it reaches. */
export function routeName(service: string, containerPort: number): string {
  return `${service}/${containerPort}`
}

/** Points every public port of a blue-green service at this container's loopback ports. */
export async function routeTo(
  deps: DeployerDeps,
  service: ServiceConfig,
  containerId: string,
): Promise<void> {
  const traffic = trafficOf(deps, service)
  const info = await deps.docker.inspect(containerId)
  const { routes } = await traffic.status()
  for (const port of service.ports) {
    const upstream = info ? upstreamOf(info, port.containerPort) : null
    if (upstream === null) {
      throw new ProxyError(
        `container ${containerId.slice(0, 12)} of service "${service.name}" publishes no host port for container port ${port.containerPort}; it cannot receive traffic from the proxy`,
      )
    }
    const name = routeName(service.name, port.containerPort)
    const listen = { host: port.hostIp ?? '0.0.0.0', port: port.hostPort }
    // Reconcile calls this every few minutes: an unchanged route is not rewritten.
    const now = routes.find((route) => route.name === name)
    if (now && sameAddress(now.listen, listen) && sameAddress(now.upstream, upstream)) continue
    await traffic.route(name, listen, upstream)
  }
}

/** The proxy routes a service's public ports have, one per port. */
export function routeNamesOf(service: ServiceConfig): string[] {
  return service.ports.map((port) => routeName(service.name, port.containerPort))
}

/** Makes the proxy give up the named routes (and their ports); names it does not hold are skipped. */
export async function unroute(
  deps: DeployerDeps,
  service: ServiceConfig,
  names: readonly string[],
): Promise<void> {
  const traffic = trafficOf(deps, service)
  const { routes } = await traffic.status()
  for (const name of names) {
    if (routes.some((route) => route.name === name)) await traffic.remove(name)
  }
}

/**
 * The proxy routes that hold this service's public ports, e.g. while it moves from blue-green to
 * recreate. None when this agent has no proxy, or none answers: nothing can then hold a port for it.
 */
export async function proxyRoutesOf(deps: DeployerDeps, service: ServiceConfig): Promise<string[]> {
  if (!deps.traffic) return []
  const names = new Set(routeNamesOf(service))
  try {
    const { routes } = await deps.traffic.status()
    return routes.filter((route) => names.has(route.name)).map((route) => route.name)
  } catch (error) {
    deps.logger.debug({ err: error, service: service.name }, 'no proxy answered; assuming it holds no port')
    return []
  }
}

/** The container publishes one of the service's public host ports itself, as a recreate release does. */
export function holdsPublicPort(info: ContainerInfo, service: ServiceConfig): boolean {
  const publicPorts = new Set(service.ports.map((port) => port.hostPort).filter((port) => port > 0))
  return info.ports.some((published) => publicPorts.has(published.hostPort))
}

/**
 * Waits until no connection through the proxy reaches this container, or the timeout passes.
 * Returns how many were still open (0 when it drained).
 */
export async function drain(
  deps: DeployerDeps,
  service: ServiceConfig,
  containerId: string,
  timeoutSeconds: number,
): Promise<number> {
  const traffic = trafficOf(deps, service)
  const info = await deps.docker.inspect(containerId)
  if (!info) return 0
  const upstreams = service.ports.flatMap((port) => upstreamOf(info, port.containerPort) ?? [])
  const deadline = deps.clock.now() + timeoutSeconds * 1000
  for (;;) {
    const { connections } = await traffic.status()
    const open = upstreams.reduce((sum, u) => sum + (connections[`${u.host}:${u.port}`] ?? 0), 0)
    if (open === 0 || deps.clock.now() >= deadline) return open
    await deps.clock.sleep(DRAIN_POLL_MS)
  }
}

/**
 * Where the proxy reaches the container. Its own address on its network when it has one: that skips
 * Docker's userland forwarder behind the loopback port, one user-space hop per connection. The port
 * published on loopback (which health checks use) is the fallback, e.g. for host networking.
 */
export function upstreamOf(info: ContainerInfo, containerPort: number): Address | null {
  const published = info.ports.find((p) => p.containerPort === containerPort && p.hostPort > 0)
  if (!published) return null
  if (info.ipAddress) return { host: info.ipAddress, port: containerPort }
  const any = published.hostIp === '' || published.hostIp === '0.0.0.0'
  return { host: any ? '127.0.0.1' : published.hostIp, port: published.hostPort }
}

function sameAddress(a: Address, b: Address): boolean {
  return a.host === b.host && a.port === b.port
}

function trafficOf(deps: DeployerDeps, service: ServiceConfig): TrafficSwitch {
  if (!deps.traffic) {
    throw new ConfigError(
      `service "${service.name}" uses strategy blue-green, but this agent has no proxy to switch; install and start ecr-deploy-proxy, or use strategy recreate`,
    )
  }
  return deps.traffic
}
