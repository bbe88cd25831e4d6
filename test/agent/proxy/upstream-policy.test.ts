import type { NetworkInterfaceInfo } from 'node:os'
import t from 'tap'
import { upstreamRefusal } from '../../../agent/proxy/upstream-policy.ts'

const iface = (address: string, cidr: string): NetworkInterfaceInfo => ({
  address,
  netmask: '255.255.0.0',
  family: 'IPv4',
  mac: '02:42:00:00:00:00',
  internal: false,
  cidr,
})

/** A host with Docker's default bridge, one network Docker made, and the instance's own VPC interface. */
const HOST = {
  lo: [iface('127.0.0.1', '127.0.0.1/8')],
  eth0: [iface('10.0.3.17', '10.0.0.0/16')],
  docker0: [iface('172.17.0.1', '172.17.0.0/16')],
  'br-0123456789ab': [iface('172.19.0.1', '172.19.0.0/16')],
}

t.test('loopback and containers on Docker bridges are allowed', async (t) => {
  for (const host of ['127.0.0.1', '127.0.0.53', '::1', '172.17.0.5', '172.19.3.4']) {
    t.equal(upstreamRefusal(host, HOST), undefined, host)
  }
})

t.test('the metadata service, the VPC, other hosts and names are refused, each saying why', async (t) => {
  t.equal(
    upstreamRefusal('169.254.169.254', HOST),
    'upstream: 169.254.169.254 is neither loopback nor on a Docker bridge of this host; the proxy forwards only to its own releases',
  )
  for (const host of ['fd00:ec2::254', '10.0.3.20', '8.8.8.8', '172.18.0.2']) {
    t.match(upstreamRefusal(host, HOST), /is neither loopback nor on a Docker bridge/, host)
  }
  t.equal(
    upstreamRefusal('metadata.google.internal', HOST),
    'upstream: "metadata.google.internal" is not an IP address',
  )
})

t.test('an interface that only looks like a bridge does not widen the policy', async (t) => {
  const host = {
    ...HOST,
    'br-lan': [iface('192.168.1.1', '192.168.1.0/24')],
    eth1: [iface('192.168.9.1', '192.168.9.0/24')],
  }
  t.match(upstreamRefusal('192.168.1.7', host), /neither loopback/)
  t.match(upstreamRefusal('192.168.9.7', host), /neither loopback/)
})
