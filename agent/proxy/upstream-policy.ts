import { BlockList, isIP } from 'node:net'
import type { NetworkInterfaceInfo } from 'node:os'

/**
 * Where the proxy may forward to: its own loopback, or a container on a Docker bridge of this host
 * (`docker0`, or `br-<id>` for the networks Docker creates). Anything else is refused: a route is
 * written by whoever reaches the control socket, and a proxy that forwarded anywhere would hand out
 * this host's network position, the instance metadata service (169.254.169.254) above all.
 */
export function upstreamRefusal(
  host: string,
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>,
): string | undefined {
  const family = isIP(host)
  if (family === 0) return `upstream: "${host}" is not an IP address`
  const allowed = new BlockList()
  allowed.addSubnet('127.0.0.0', 8, 'ipv4')
  allowed.addAddress('::1', 'ipv6')
  for (const [name, addresses] of Object.entries(interfaces)) {
    if (!(name === 'docker0' || /^br-[0-9a-f]{12}$/.test(name))) continue
    for (const address of addresses ?? []) {
      const [network = '', prefix = ''] = address.cidr?.split('/') ?? []
      const type = address.family === 'IPv4' ? 'ipv4' : 'ipv6'
      if (network !== '' && prefix !== '') allowed.addSubnet(network, Number(prefix), type)
    }
  }
  if (allowed.check(host, family === 4 ? 'ipv4' : 'ipv6')) return undefined
  return `upstream: ${host} is neither loopback nor on a Docker bridge of this host; the proxy forwards only to its own releases`
}
