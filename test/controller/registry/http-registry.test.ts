import type { Test } from 'tap'
import t from 'tap'
import { HttpRegistry } from '../../../controller/registry/http-registry.ts'
import type { RateLimit } from '../../../controller/registry/registry.ts'
import { RegistryAuthError, SourceNotFoundError } from '../../../shared/errors.ts'
import { censorSecrets } from '../../../shared/log-secrets.ts'
import { MiniRegistry, sha256 } from '../../support/mini-registry.ts'
import { pushImage, streamOf, testImage } from '../../support/oci-images.ts'

async function mini(t: Test, options: ConstructorParameters<typeof MiniRegistry>[0]): Promise<MiniRegistry> {
  const registry = await new MiniRegistry(options).start()
  t.teardown(() => registry.close())
  return registry
}

const login = { username: 'acme', password: 'correct-horse-battery' }

t.test(
  'the token flow: a 401 challenge, a token fetched with the login, the request repeated with it',
  async (t) => {
    const server = await mini(t, { auth: { kind: 'token', user: 'acme', password: login.password } })
    const image = testImage('amd64')
    server.addManifest('acme/web', image.manifest.mediaType, image.manifest.bytes, 'v1')
    const client = new HttpRegistry({ baseUrl: server.url, host: 'docker.io', credentials: login })
    const manifest = await client.manifest('acme/web', 'v1')
    t.equal(manifest?.digest, image.manifest.digest)
    t.equal(manifest?.mediaType, image.manifest.mediaType)
    t.ok(manifest?.bytes.equals(image.manifest.bytes), 'the bytes served, unchanged')
    const paths = server.requests.map((r) => `${r.method} ${r.path.replace(/\?.*/, '')}`)
    t.strictSame(paths, ['GET /v2/acme/web/manifests/v1', 'GET /token', 'GET /v2/acme/web/manifests/v1'])
    const token = server.requests[1]
    t.match(server.requests[0]?.authorization, undefined, 'nothing sent before the challenge')
    t.match(token?.path, /scope=repository%3Aacme%2Fweb%3Apull/)
    t.match(server.requests[2]?.authorization, /^Bearer /)
    const bearer = server.requests[2]?.authorization?.replace('Bearer ', '') ?? ''
    t.equal(censorSecrets(`token ${bearer}`), 'token [redacted]', 'the token is censored in logs')
    await client.manifest('acme/web', 'v1')
    t.equal(server.requests.length, 4, 'the token is kept for the scope')
  },
)

t.test('a wrong password is a typed error naming the user, after one token attempt', async (t) => {
  const server = await mini(t, { auth: { kind: 'token', user: 'acme', password: login.password } })
  const client = new HttpRegistry({
    baseUrl: server.url,
    host: 'docker.io',
    credentials: { username: 'acme', password: 'wrong-password-here' },
  })
  await t.rejects(
    client.manifest('acme/web', 'v1'),
    new RegistryAuthError('the token service of docker.io refused the login of "acme"'),
  )
  t.equal(server.requests.length, 2)
})

t.test('basic auth: answered with the login; a wrong one refused once, not retried forever', async (t) => {
  const server = await mini(t, { auth: { kind: 'basic', user: 'AWS', password: 'ecr-password-123' } })
  server.addBlob('shop/web', Buffer.from('x'))
  const good = new HttpRegistry({
    baseUrl: server.url,
    host: 'ecr',
    credentials: { username: 'AWS', password: 'ecr-password-123' },
  })
  t.equal(await good.hasBlob('shop/web', sha256(Buffer.from('x'))), true)
  t.equal(await good.hasBlob('shop/web', sha256(Buffer.from('y'))), false)
  const bad = new HttpRegistry({
    baseUrl: server.url,
    host: 'ecr',
    credentials: { username: 'AWS', password: 'not-the-password' },
  })
  await t.rejects(bad.hasBlob('shop/web', sha256(Buffer.from('x'))), {
    name: 'RegistryAuthError',
    message: 'ecr refused the login of "AWS" for repository:shop/web:pull',
  })
  const anonymous = new HttpRegistry({ baseUrl: server.url, host: 'ecr' })
  await t.rejects(anonymous.hasBlob('shop/web', 'sha256:0'), {
    message: 'ecr needs a login for repository:shop/web:pull',
  })
})

t.test('tags follow Link pagination to the last page', async (t) => {
  const server = await mini(t, { auth: { kind: 'none' }, pageSize: 2 })
  const image = testImage('amd64')
  for (const tag of ['v1', 'v2', 'v3', 'v4', 'v5'])
    server.addManifest('acme/web', image.manifest.mediaType, image.manifest.bytes, tag)
  const client = new HttpRegistry({ baseUrl: server.url, host: 'docker.io' })
  t.strictSame(await client.tags('acme/web'), ['v1', 'v2', 'v3', 'v4', 'v5'])
  t.equal(server.requests.filter((r) => r.path.includes('/tags/list')).length, 3)
})

t.test('a missing repository and a missing tag', async (t) => {
  const server = await mini(t, { auth: { kind: 'none' } })
  const client = new HttpRegistry({ baseUrl: server.url, host: 'docker.io' })
  await t.rejects(client.tags('acme/none'), new SourceNotFoundError('docker.io/acme/none does not exist'))
  t.equal(await client.manifest('acme/web', 'nope'), undefined)
})

t.test('a blob is mounted when the registry agrees, uploaded by stream when it refuses', async (t) => {
  for (const refuseMounts of [false, true]) {
    const server = await mini(t, { auth: { kind: 'none' }, refuseMounts })
    const bytes = Buffer.from('a layer '.repeat(1000))
    const digest = server.addBlob('shop/base', bytes)
    const client = new HttpRegistry({ baseUrl: server.url, host: 'ecr' })
    let opened = 0
    const how = await client.writeBlob(
      'shop/web',
      digest,
      async () => {
        opened += 1
        return { size: bytes.length, stream: streamOf(bytes) }
      },
      'shop/base',
    )
    t.equal(how, refuseMounts ? 'uploaded' : 'mounted')
    t.equal(opened, refuseMounts ? 1 : 0, 'the source is read only when the mount is refused')
    t.ok(server.blobs.get(`shop/web@${digest}`)?.equals(bytes))
    const posts = server.requests.filter((r) => r.method === 'POST')
    t.equal(posts.length, 1, 'the refused mount’s upload session is the one used')
  }
})

t.test('a manifest whose bytes do not hash to the digest asked for is refused', async (t) => {
  const server = await mini(t, { auth: { kind: 'none' } })
  const image = testImage('amd64')
  server.manifests.set(`acme/web@${sha256(Buffer.from('other'))}`, {
    mediaType: image.manifest.mediaType,
    bytes: image.manifest.bytes,
  })
  const client = new HttpRegistry({ baseUrl: server.url, host: 'docker.io' })
  await t.rejects(client.manifest('acme/web', sha256(Buffer.from('other'))), {
    name: 'RegistryError',
    message: /hashes to sha256:/,
  })
})

t.test('rate-limit headers are reported from manifest reads', async (t) => {
  const server = await mini(t, {
    auth: { kind: 'none' },
    manifestHeaders: { 'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': '7;w=21600' },
  })
  const image = testImage('amd64')
  await pushImage(new HttpRegistry({ baseUrl: server.url, host: 'x' }), 'acme/web', image, 'v1')
  const seen: RateLimit[] = []
  const client = new HttpRegistry({
    baseUrl: server.url,
    host: 'docker.io',
    onRateLimit: (limit) => seen.push(limit),
  })
  await client.manifest('acme/web', 'v1')
  t.strictSame(seen, [{ limit: 100, remaining: 7, windowSeconds: 21600 }])
})

t.test('an expired token is fetched again once, and the request repeated', async (t) => {
  const server = await mini(t, { auth: { kind: 'token', user: 'acme', password: login.password } })
  const image = testImage('amd64')
  server.addManifest('acme/web', image.manifest.mediaType, image.manifest.bytes, 'v1')
  const client = new HttpRegistry({ baseUrl: server.url, host: 'docker.io', credentials: login })
  await client.manifest('acme/web', 'v1')
  server.expireTokens()
  t.equal((await client.manifest('acme/web', 'v1'))?.digest, image.manifest.digest)
  t.equal(server.requests.filter((r) => r.path.startsWith('/token')).length, 2)
})

t.test('an https registry whose token realm is plain http is not sent the login', async (t) => {
  const asked: string[] = []
  const fetcher: typeof fetch = async (input) => {
    asked.push(String(input))
    return new Response(null, {
      status: 401,
      headers: { 'www-authenticate': 'Bearer realm="http://tokens.example/token",service="hub"' },
    })
  }
  const client = new HttpRegistry({
    baseUrl: 'https://registry.example',
    host: 'registry.example',
    credentials: login,
    fetch: fetcher,
  })
  await t.rejects(client.manifest('acme/web', 'v1'), {
    name: 'RegistryAuthError',
    message: 'registry.example names a token service that is not https; the login was not sent',
  })
  t.strictSame(asked, ['https://registry.example/v2/acme/web/manifests/v1'])
})
