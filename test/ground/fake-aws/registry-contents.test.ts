import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import t, { type Test } from 'tap'
import { httpRegistryContents } from './registry-contents.ts'

// A private plain-HTTP distribution registry with basic auth and a catalog page size of 2, so the
// HTTP reader's auth, Accept headers, digests and catalog paging are checked against the real thing.
const USER = 'AWS'
const PASSWORD = 'registry-test-password'

const sha = (data: string | Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`

async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

async function startRegistry(t: Test): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'fake-aws-registry-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  await promisify(execFile)('htpasswd', ['-Bbc', path.join(dir, 'htpasswd'), USER, PASSWORD])
  const port = await freePort()
  const config = [
    'version: 0.1',
    'log: { level: error }',
    `storage: { filesystem: { rootdirectory: ${dir}/data } }`,
    `http: { addr: 127.0.0.1:${port} }`,
    `auth: { htpasswd: { realm: test, path: ${dir}/htpasswd } }`,
    'catalog: { maxentries: 2 }',
  ].join('\n')
  await writeFile(path.join(dir, 'config.yml'), config)
  const child: ChildProcess = spawn('/usr/bin/docker-registry', ['serve', path.join(dir, 'config.yml')], {
    stdio: 'ignore',
  })
  t.teardown(() => {
    child.kill('SIGKILL')
  })
  const url = `http://127.0.0.1:${port}`
  for (let i = 0; i < 100; i++) {
    if (
      await fetch(`${url}/v2/`).then(
        (r) => r.status === 401,
        () => false,
      )
    )
      return url
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error('the test registry did not start')
}

const auth = { authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` }

async function pushBlob(url: string, repository: string, data: string): Promise<string> {
  const digest = sha(data)
  const start = await fetch(`${url}/v2/${repository}/blobs/uploads/`, { method: 'POST', headers: auth })
  const location = new URL(start.headers.get('location') ?? '', url)
  location.searchParams.set('digest', digest)
  const put = await fetch(location, {
    method: 'PUT',
    headers: { ...auth, 'content-type': 'application/octet-stream' },
    body: data,
  })
  if (put.status !== 201) throw new Error(`blob upload answered ${put.status}`)
  return digest
}

/** Pushes a one-layer image manifest of the given media type and returns the manifest text. */
async function pushImage(url: string, repository: string, tag: string, oci: boolean): Promise<string> {
  const config = JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    rootfs: { type: 'layers', diff_ids: [] },
    tag,
  })
  const layer = `layer of ${repository}:${tag}`
  const mediaType = oci
    ? 'application/vnd.oci.image.manifest.v1+json'
    : 'application/vnd.docker.distribution.manifest.v2+json'
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType,
    config: {
      mediaType: oci
        ? 'application/vnd.oci.image.config.v1+json'
        : 'application/vnd.docker.container.image.v1+json',
      size: config.length,
      digest: await pushBlob(url, repository, config),
    },
    layers: [
      {
        mediaType: oci
          ? 'application/vnd.oci.image.layer.v1.tar+gzip'
          : 'application/vnd.docker.image.rootfs.diff.tar.gzip',
        size: layer.length,
        digest: await pushBlob(url, repository, layer),
      },
    ],
  })
  const put = await fetch(`${url}/v2/${repository}/manifests/${tag}`, {
    method: 'PUT',
    headers: { ...auth, 'content-type': mediaType },
    body: manifest,
  })
  if (put.status !== 201) throw new Error(`manifest upload answered ${put.status}: ${await put.text()}`)
  return manifest
}

t.test(
  'httpRegistryContents reads a real registry: tags, manifests by tag and digest, paged catalog',
  async (t) => {
    const url = await startRegistry(t)
    const docker = await pushImage(url, 'team/app', 'v1', false)
    const oci = await pushImage(url, 'team/app', 'v2', true)
    await pushImage(url, 'team/b', 'v1', false)
    await pushImage(url, 'team/c', 'v1', false)
    const contents = httpRegistryContents({ url, user: USER, password: PASSWORD })
    t.same((await contents.repositories()).sort(), ['team/app', 'team/b', 'team/c'], 'all catalog pages')
    t.same((await contents.tags('team/app'))?.sort(), ['v1', 'v2'])
    t.equal(await contents.tags('team/none'), undefined)
    const v1 = await contents.manifest('team/app', 'v1')
    t.match(v1, {
      digest: sha(docker),
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      body: docker,
    })
    const v2 = await contents.manifest('team/app', 'v2')
    t.match(v2, { digest: sha(oci), mediaType: 'application/vnd.oci.image.manifest.v1+json' })
    t.equal(
      v2?.sizeInBytes,
      (JSON.parse(oci).config.size as number) + (JSON.parse(oci).layers[0].size as number),
    )
    t.equal((await contents.manifest('team/app', sha(docker)))?.body, docker, 'by digest')
    t.equal(await contents.manifest('team/app', 'v9'), undefined)
    const wrong = httpRegistryContents({ url, user: USER, password: 'wrong' })
    await t.rejects(wrong.tags('team/app'), /registry answered 401/)
  },
)
