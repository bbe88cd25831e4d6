import t from 'tap'
import { upstreamOf } from '../../../agent/deploy/traffic.js'
import type { ContainerInfo } from '../../../agent/docker/engine.js'

const info = (extra: Partial<ContainerInfo>): ContainerInfo => ({
  id: 'c1',
  name: 'web',
  image: 'img',
  imageId: 'sha256:x',
  labels: {},
  state: 'running',
  running: true,
  exitCode: 0,
  restartCount: 0,
  health: 'none',
  ports: [{ containerPort: 8080, hostIp: '127.0.0.1', hostPort: 49153 }],
  ...extra,
})

t.test('the proxy reaches a container at its own address, skipping Docker’s forwarder', async (t) => {
  t.strictSame(upstreamOf(info({ ipAddress: '172.18.0.5' }), 8080), { host: '172.18.0.5', port: 8080 })
})

t.test('without an address (host networking) it uses the port published on loopback', async (t) => {
  t.strictSame(upstreamOf(info({}), 8080), { host: '127.0.0.1', port: 49153 })
  t.strictSame(
    upstreamOf(info({ ports: [{ containerPort: 8080, hostIp: '0.0.0.0', hostPort: 49153 }] }), 8080),
    {
      host: '127.0.0.1',
      port: 49153,
    },
  )
})

t.test('a port that is not published has no upstream yet', async (t) => {
  t.equal(upstreamOf(info({ ipAddress: '172.18.0.5', ports: [] }), 8080), null)
})
