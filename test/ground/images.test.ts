import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import Docker from 'dockerode'
import t, { type Test } from 'tap'
import { loadGround, type TestImageName } from './ground.ts'
import { pullImage } from './registry-pull.ts'

const ground = loadGround()
const docker = new Docker({ socketPath: ground.dockerSocket })
const auth = {
  username: ground.registryUser,
  password: ground.registryPassword,
  serveraddress: ground.registryUrl,
}

/** Starts `name` with its port 8080 published on a random 127.0.0.1 port; removed at teardown. */
async function run(
  t: Test,
  name: TestImageName,
  init = false,
): Promise<{ container: Docker.Container; port: number }> {
  await pullImage(docker, ground.images[name].uri, auth)
  const container = await docker.createContainer({
    name: `ground-images-test-${name}-${randomBytes(4).toString('hex')}`,
    Image: ground.images[name].uri,
    HostConfig: { Init: init, PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } },
  })
  t.teardown(() => container.remove({ force: true }))
  await container.start()
  const info = await container.inspect()
  const port = Number(info.NetworkSettings.Ports['8080/tcp']?.[0]?.HostPort)
  return { container, port }
}

/** GETs a path once the app answers; httpd needs a moment after the container starts. */
async function get(port: number, path: string): Promise<{ status: number; body: string }> {
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}${path}`)
      return { status: res.status, body: await res.text() }
    } catch (error) {
      if (attempt >= 50) throw error
      await sleep(100)
    }
  }
}

async function exitCode(container: Docker.Container): Promise<number> {
  return (await container.inspect()).State.ExitCode
}

t.test('v1 serves its version and a healthy /health, and stops on SIGTERM by itself', async (t) => {
  const { container, port } = await run(t, 'v1')
  t.strictSame(await get(port, '/'), { status: 200, body: 'v1' })
  t.equal((await get(port, '/health')).status, 200)
  await container.stop({ t: 10 })
  // 0 comes from the entrypoint's TERM trap; a SIGKILL after the timeout would show 137.
  t.equal(await exitCode(container), 0)
})

t.test('v2 serves its own version', async (t) => {
  const { port } = await run(t, 'v2')
  t.strictSame(await get(port, '/'), { status: 200, body: 'v2' })
})

t.test('noterm ignores SIGTERM as PID 1, so docker stop has to kill it', async (t) => {
  const { container, port } = await run(t, 'noterm')
  t.equal((await get(port, '/health')).status, 200)
  await container.stop({ t: 1 })
  t.equal(await exitCode(container), 137, 'SIGKILL after the stop timeout')
})

t.test('noterm stops on SIGTERM when Docker runs an init as PID 1', async (t) => {
  const { container, port } = await run(t, 'noterm', true)
  t.equal((await get(port, '/health')).status, 200)
  await container.stop({ t: 30 })
  t.equal(await exitCode(container), 143, 'terminated by the forwarded SIGTERM')
})

t.test('crash exits at once with a non-zero code', async (t) => {
  const { container } = await run(t, 'crash')
  const result = (await container.wait()) as { StatusCode: number }
  t.not(result.StatusCode, 0)
  t.equal(result.StatusCode, 3)
})

t.test('unhealthy serves / but fails /health', async (t) => {
  const { port } = await run(t, 'unhealthy')
  t.strictSame(await get(port, '/'), { status: 200, body: 'unhealthy' })
  t.equal((await get(port, '/health')).status, 404)
})

t.test('v1 and v2 share the base layer and differ above it', async (t) => {
  await pullImage(docker, ground.images.v1.uri, auth)
  await pullImage(docker, ground.images.v2.uri, auth)
  const v1 = await docker.getImage(ground.images.v1.uri).inspect()
  const v2 = await docker.getImage(ground.images.v2.uri).inspect()
  t.ok(v1.RootFS.Layers?.[0], 'v1 has a base layer')
  t.equal(v1.RootFS.Layers?.[0], v2.RootFS.Layers?.[0])
  // The layers above differ where the sites differ; a layer both COPY alike (run.sh) may be shared.
  t.notSame(v1.RootFS.Layers?.slice(1), v2.RootFS.Layers?.slice(1))
})

t.test('big carries a large extra layer', async (t) => {
  await pullImage(docker, ground.images.big.uri, auth)
  const big = await docker.getImage(ground.images.big.uri).inspect()
  t.ok(big.Size > 50 * 1024 * 1024, `size ${big.Size} bytes`)
})
