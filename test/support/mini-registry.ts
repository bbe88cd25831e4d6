import { createHash, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'

/** How the mini registry asks for credentials. */
export type MiniAuth =
  | { readonly kind: 'none' }
  | { readonly kind: 'basic'; readonly user: string; readonly password: string }
  | { readonly kind: 'token'; readonly user: string; readonly password: string }

export interface MiniRegistryOptions {
  readonly auth: MiniAuth
  /** Tags per page of a tag list (the rest follow a Link header). */
  readonly pageSize?: number
  /** Refuse cross-repository mounts (answer 202 and start an upload, as the spec allows). */
  readonly refuseMounts?: boolean
  /** Headers added to manifest GETs (rate limits). */
  readonly manifestHeaders?: Record<string, string>
}

/** What the mini registry saw, for assertions. */
export interface MiniRequest {
  readonly method: string
  readonly path: string
  readonly authorization: string | undefined
}

/**
 * A small OCI distribution registry in memory on 127.0.0.1, for the registry client's unit tests:
 * manifests, blobs (mount, PATCH + PUT upload), paged tag lists, Basic auth or the Bearer token flow.
 */
export class MiniRegistry {
  readonly manifests = new Map<string, { mediaType: string; bytes: Buffer }>()
  readonly blobs = new Map<string, Buffer>()
  readonly requests: MiniRequest[] = []
  readonly #uploads = new Map<string, Buffer[]>()
  readonly #tokens = new Set<string>()
  readonly #server: Server
  readonly #options: MiniRegistryOptions
  url = ''

  constructor(options: MiniRegistryOptions) {
    this.#options = options
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((error: Error) => {
        res.statusCode = 500
        res.end(error.message)
      })
    })
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve))
    const address = this.#server.address()
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
    return this
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()))
  }

  /** Forgets every token handed out, as a token service's short lifetime does. */
  expireTokens(): void {
    this.#tokens.clear()
  }

  /** Stores a blob in a repository; returns its digest. */
  addBlob(repository: string, bytes: Buffer): string {
    const digest = sha256(bytes)
    this.blobs.set(`${repository}@${digest}`, bytes)
    return digest
  }

  /** Stores a manifest under its digest and, if given, a tag; returns its digest. */
  addManifest(repository: string, mediaType: string, bytes: Buffer, tag?: string): string {
    const digest = sha256(bytes)
    this.manifests.set(`${repository}@${digest}`, { mediaType, bytes })
    if (tag !== undefined) this.manifests.set(`${repository}:${tag}`, { mediaType, bytes })
    return digest
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url)
    const body = await readBody(req)
    this.requests.push({
      method: req.method ?? '',
      path: url.pathname + url.search,
      authorization: req.headers.authorization,
    })
    if (url.pathname === '/token') return this.#token(req, url, res)
    if (!this.#authorized(req.headers.authorization)) return this.#challenge(url, res)
    const match = /^\/v2\/(.+)\/(manifests|blobs|tags)\/(.*)$/.exec(url.pathname)
    if (match === null) return void res.writeHead(url.pathname === '/v2/' ? 200 : 404).end()
    const [, repository = '', kind, rest = ''] = match
    if (kind === 'tags') return this.#tags(repository, url, res)
    if (kind === 'manifests') return this.#manifest(req, repository, rest, body, res)
    return this.#blob(req, repository, rest, url, body, res)
  }

  #authorized(header: string | undefined): boolean {
    const auth = this.#options.auth
    if (auth.kind === 'none') return true
    if (auth.kind === 'basic') return header === basic(auth.user, auth.password)
    return header !== undefined && this.#tokens.has(header.replace(/^Bearer /, ''))
  }

  #challenge(url: URL, res: ServerResponse): void {
    const auth = this.#options.auth
    const repository = /^\/v2\/(.+)\/(manifests|blobs|tags)\//.exec(url.pathname)?.[1] ?? ''
    const header =
      auth.kind === 'token'
        ? `Bearer realm="${this.url}/token",service="mini",scope="repository:${repository}:pull"`
        : 'Basic realm="mini"'
    res.writeHead(401, { 'www-authenticate': header, 'content-type': 'application/json' })
    res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }))
  }

  #token(req: IncomingMessage, url: URL, res: ServerResponse): void {
    const auth = this.#options.auth
    if (auth.kind !== 'token' || url.searchParams.get('service') !== 'mini')
      return void res.writeHead(400).end()
    if (req.headers.authorization !== basic(auth.user, auth.password)) return void res.writeHead(401).end()
    const token = randomUUID()
    this.#tokens.add(token)
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token }))
  }

  #tags(repository: string, url: URL, res: ServerResponse): void {
    const prefix = `${repository}:`
    const all = [...this.manifests.keys()]
      .filter((key) => key.startsWith(prefix))
      .map((key) => key.slice(prefix.length))
    if (all.length === 0) return void res.writeHead(404).end('{"errors":[{"code":"NAME_UNKNOWN"}]}')
    const sorted = all.sort()
    const last = url.searchParams.get('last')
    const from = last === null ? 0 : sorted.indexOf(last) + 1
    const size = this.#options.pageSize ?? sorted.length
    const page = sorted.slice(from, from + size)
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (from + size < sorted.length)
      headers.link = `</v2/${repository}/tags/list?n=${size}&last=${page.at(-1)}>; rel="next"`
    res.writeHead(200, headers).end(JSON.stringify({ name: repository, tags: page }))
  }

  #manifest(
    req: IncomingMessage,
    repository: string,
    reference: string,
    body: Buffer,
    res: ServerResponse,
  ): void {
    const key = `${repository}${reference.startsWith('sha256:') ? '@' : ':'}${reference}`
    if (req.method === 'PUT') {
      const mediaType = req.headers['content-type'] ?? ''
      this.addManifest(repository, mediaType, body, reference.startsWith('sha256:') ? undefined : reference)
      return void res.writeHead(201, { 'docker-content-digest': sha256(body) }).end()
    }
    const manifest = this.manifests.get(key)
    if (manifest === undefined) return void res.writeHead(404).end('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}')
    res.writeHead(200, {
      'content-type': manifest.mediaType,
      'content-length': manifest.bytes.length,
      'docker-content-digest': sha256(manifest.bytes),
      ...(req.method === 'GET' ? this.#options.manifestHeaders : {}),
    })
    res.end(req.method === 'HEAD' ? undefined : manifest.bytes)
  }

  #blob(
    req: IncomingMessage,
    repository: string,
    rest: string,
    url: URL,
    body: Buffer,
    res: ServerResponse,
  ): void {
    if (rest.startsWith('sha256:')) {
      const blob = this.blobs.get(`${repository}@${rest}`)
      if (blob === undefined) return void res.writeHead(404).end()
      res.writeHead(200, { 'content-length': blob.length })
      return void res.end(req.method === 'HEAD' ? undefined : blob)
    }
    const mount = url.searchParams.get('mount')
    const from = url.searchParams.get('from')
    if (req.method === 'POST' && mount !== null && from !== null && !this.#options.refuseMounts) {
      const blob = this.blobs.get(`${from}@${mount}`)
      if (blob !== undefined) {
        this.blobs.set(`${repository}@${mount}`, blob)
        return void res.writeHead(201, { location: `/v2/${repository}/blobs/${mount}` }).end()
      }
    }
    if (req.method === 'POST') {
      const id = randomUUID()
      this.#uploads.set(id, [])
      return void res.writeHead(202, { location: `/v2/${repository}/blobs/uploads/${id}` }).end()
    }
    const id = rest.replace(/^uploads\//, '')
    const parts = this.#uploads.get(id)
    if (parts === undefined) return void res.writeHead(404).end()
    parts.push(body)
    if (req.method === 'PATCH')
      return void res.writeHead(202, { location: `/v2/${repository}/blobs/uploads/${id}` }).end()
    const bytes = Buffer.concat(parts)
    if (sha256(bytes) !== url.searchParams.get('digest'))
      return void res.writeHead(400).end('{"errors":[{"code":"DIGEST_INVALID"}]}')
    this.blobs.set(`${repository}@${sha256(bytes)}`, bytes)
    res.writeHead(201).end()
  }
}

export function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`
}

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}
