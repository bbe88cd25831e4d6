import { randomBytes } from 'node:crypto'
import t from 'tap'
import { DockerodeEngine } from '../../../agent/docker/dockerode-engine.ts'
import type { ContainerSpec } from '../../../agent/docker/engine.ts'
import { DockerError, ImageNotFoundError, PullFailedError } from '../../../shared/errors.ts'
import { loadGround } from '../../ground/ground.ts'
import { ensureLocalBusybox } from '../../support/busybox-image.ts'
import { startCorruptRegistry } from '../../support/corrupt-registry.ts'
import { freePort } from '../../support/free-port.ts'

const engine = new DockerodeEngine()
const image = ensureLocalBusybox()

function spec(overrides: Partial<ContainerSpec> = {}): ContainerSpec {
  const id = randomBytes(4).toString('hex')
  return {
    name: `ecr-deploy-adapter-test-${id}`,
    image,
    labels: { 'ecr-deploy.agent': `adapter-${id}`, 'ecr-deploy.service': 'web' },
    env: { GREETING: 'hello' },
    command: ['/bin/sh', '-c', 'echo "out $GREETING"; echo "err line" >&2; exec httpd -f -p 8080 -h /'],
    ports: [],
    volumes: [],
    restart: 'no',
    init: true,
    stopTimeoutSeconds: 2,
    ...overrides,
  }
}

t.test('create, start, inspect, list by labels, logs, stop and remove a container', async (t) => {
  const port = await freePort()
  const s = spec({ ports: [{ hostIp: '127.0.0.1', hostPort: port, containerPort: 8080 }] })
  const id = await engine.create(s)
  t.teardown(() => engine.remove(id))
  await engine.start(id)

  const info = await engine.inspect(id)
  t.equal(info?.name, s.name)
  t.equal(info?.running, true)
  t.equal(info?.state, 'running')
  t.equal(info?.health, 'none')
  t.strictSame(info?.ports, [{ containerPort: 8080, hostIp: '127.0.0.1', hostPort: port }])
  t.match(info?.ipAddress, /^\d+\.\d+\.\d+\.\d+$/)

  const listed = await engine.listContainers(s.labels)
  t.strictSame(
    listed.map((c) => [c.id, c.name, c.state]),
    [[id, s.name, 'running']],
  )
  t.strictSame(await engine.listContainers({ ...s.labels, 'ecr-deploy.service': 'other' }), [])

  let logs = ''
  for (let i = 0; i < 50 && !logs.includes('err line'); i++) {
    logs = await engine.logsTail(id, 10)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  // stdout and stderr are separate pipes, so their relative order is not guaranteed.
  t.strictSame(logs.split('\n').sort(), ['', 'err line', 'out hello'])

  await engine.stop(id, 2)
  const stopped = await engine.inspect(id)
  t.equal(stopped?.running, false)
  t.equal(stopped?.state, 'exited')
  await engine.stop(id, 2)
  t.pass('stopping a stopped container is not an error')

  await engine.remove(id)
  t.equal(await engine.inspect(id), null)
  await engine.remove(id)
  t.pass('removing a missing container is not an error')
})

t.test('a container that exits reports its exit code', async (t) => {
  const id = await engine.create(spec({ command: ['/bin/sh', '-c', 'exit 3'] }))
  t.teardown(() => engine.remove(id))
  await engine.start(id)
  let info = await engine.inspect(id)
  for (let i = 0; i < 50 && info?.running; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    info = await engine.inspect(id)
  }
  t.equal(info?.running, false)
  t.equal(info?.exitCode, 3)
})

t.test('images: inspect, list by repository, missing ones', async (t) => {
  const info = await engine.inspectImage(image)
  t.match(info?.id, /^sha256:/)
  t.ok(info?.repoTags.includes(image))
  t.equal(await engine.inspectImage('ecr-deploy-agent-test/missing:none'), null)
  const listed = await engine.listImages('ecr-deploy-agent-test/busybox')
  t.ok(listed.some((i) => i.id === info?.id))
})

t.test('a duplicate name is a DockerError naming the container', async (t) => {
  const s = spec()
  const id = await engine.create(s)
  t.teardown(() => engine.remove(id))
  await t.rejects(engine.create(s), DockerError)
  await t.rejects(engine.create(s), { message: new RegExp(`creating container ${s.name} failed`) })
})

t.test('a pull from an unreachable registry is PullFailedError, and never shows the password', async (t) => {
  const error = await engine
    .pull('127.0.0.1:1/nothing/here:v1', {
      username: 'AWS',
      password: 's3cret-pass',
      serveraddress: '127.0.0.1:1',
    })
    .then(
      () => null,
      (e: unknown) => e,
    )
  t.type(error, PullFailedError)
  t.notMatch(String((error as Error).message), /s3cret-pass/)
})

t.test('pulls from the ECR-shaped registry with per-request credentials', async (t) => {
  const ground = loadGround()
  const auth = { username: 'AWS', password: ground.registryPassword, serveraddress: ground.registryUrl }
  const lines: string[] = []
  await engine.pull(ground.images.v1.uri, auth, (line) => lines.push(line))
  t.match(lines.at(-1), /^Status: /, 'the final status line is reported')
  t.ok(lines.every((line) => !line.includes(ground.registryPassword)))
  const pinned = `${ground.registryHost}/${ground.images.v1.repository}@${ground.images.v1.digest}`
  await engine.pull(pinned, auth)
  t.ok((await engine.inspectImage(pinned))?.repoDigests.includes(pinned))

  const wrong = { ...auth, password: 'not-the-password' }
  const refused = await engine.pull(`${ground.registryHost}/ecr-ssm-deploy/app:v1-never-local`, wrong).then(
    () => null,
    (error: unknown) => error as Error,
  )
  t.type(refused, PullFailedError)
  t.notMatch(refused?.message ?? '', /not-the-password/)
  await t.rejects(
    engine.pull(`${ground.registryHost}/ecr-ssm-deploy/app:no-such-tag`, auth),
    ImageNotFoundError,
  )
})

t.test('a layer dockerd refuses after answering 200 is PullFailedError with its reason', async (t) => {
  // dockerd reports the refused layer inside its progress stream, which then ends normally.
  const corrupt = await startCorruptRegistry(t, 'ecr-ssm-deploy/app', 'bad')
  const bad = `127.0.0.1:${corrupt.port}/ecr-ssm-deploy/app:bad`
  const auth = {
    username: 'AWS',
    password: 'corrupt-registry-pass',
    serveraddress: `127.0.0.1:${corrupt.port}`,
  }
  const error = await engine.pull(bad, auth).then(
    () => null,
    (e: unknown) => e,
  )
  t.type(error, PullFailedError)
  t.equal(
    (error as Error | null)?.message,
    `pulling ${bad} failed: filesystem layer verification failed for digest ${corrupt.layerDigest}`,
  )
  t.equal(await engine.inspectImage(bad), null)
})
