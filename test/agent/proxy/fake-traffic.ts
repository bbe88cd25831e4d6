import type { Address, ProxyStatus, Route } from '../../../agent/proxy/routes.ts'
import type { TrafficSwitch } from '../../../agent/proxy/traffic-switch.ts'

/** A TrafficSwitch that records route calls and reports the connection counts a test scripts. */
export class FakeTraffic implements TrafficSwitch {
  readonly calls: Array<{ name: string; listen: Address; upstream: Address }> = []
  readonly routes = new Map<string, Route>()
  /** `host:port` -> open connections; a list is consumed one value per status() call. */
  connections: Record<string, number | number[]> = {}
  failure: Error | undefined

  async route(name: string, listen: Address, upstream: Address): Promise<void> {
    if (this.failure) throw this.failure
    this.calls.push({ name, listen, upstream })
    this.routes.set(name, { name, listen, upstream, generation: this.calls.length })
  }

  readonly removed: string[] = []

  async remove(name: string): Promise<void> {
    if (this.failure) throw this.failure
    this.removed.push(name)
    this.routes.delete(name)
  }

  async status(): Promise<ProxyStatus> {
    const connections: Record<string, number> = {}
    for (const [key, value] of Object.entries(this.connections)) {
      connections[key] = Array.isArray(value)
        ? value.length > 1
          ? (value.shift() ?? 0)
          : (value[0] ?? 0)
        : value
    }
    return { routes: [...this.routes.values()], connections }
  }
}
