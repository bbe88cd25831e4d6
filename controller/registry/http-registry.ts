import { createHash } from 'node:crypto'
import { RegistryError, SourceNotFoundError } from '../../shared/errors.ts'
import { terminalLine } from '../../shared/terminal-text.ts'
import type { Credentials } from './auth.ts'
import { nextPage, rateLimit } from './headers.ts'
import { MANIFEST_ACCEPT } from './media-types.ts'
import type { BlobSource, BlobWrite, Manifest, RateLimit, Registry } from './registry.ts'
import { RegistrySession, type Send } from './session.ts'

export interface HttpRegistryOptions {
  /** `https://registry-1.docker.io`, `https://<account>.dkr.ecr.<region>.amazonaws.com`... */
  readonly baseUrl: string
  /** The name the user knows the registry by (`docker.io`), for messages. */
  readonly host: string
  readonly credentials?: Credentials
  /** Told each rate limit the registry announces. */
  readonly onRateLimit?: (limit: RateLimit) => void
  readonly fetch?: typeof fetch
}

/** Manifests are small; a registry answering more than this for one is not answering a manifest. */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024

/**
 * The OCI distribution API over fetch. Written here rather than taken from npm: the Node clients there
 * either only pull (no upload or mount) or sit on unmaintained HTTP stacks; this needs a dozen calls.
 * Logins are {@link RegistrySession}'s.
 */
export class HttpRegistry implements Registry {
  readonly host: string
  readonly #base: URL
  readonly #session: RegistrySession
  readonly #onRateLimit: (limit: RateLimit) => void

  constructor(options: HttpRegistryOptions) {
    this.host = options.host
    this.#base = new URL(options.baseUrl)
    this.#session = new RegistrySession(options.host, this.#base, options.credentials, options.fetch ?? fetch)
    this.#onRateLimit = options.onRateLimit ?? (() => {})
  }

  #send(request: Send): Promise<Response> {
    return this.#session.send(request)
  }

  #failure(res: Response, what: string): Promise<RegistryError> {
    return this.#session.failure(res, what)
  }

  async tags(repository: string): Promise<string[]> {
    const tags: string[] = []
    let path: string | undefined = `/v2/${repository}/tags/list?n=1000`
    while (path !== undefined) {
      const res = await this.#send({ method: 'GET', path, scope: pull(repository) })
      if (res.status === 404) {
        await res.body?.cancel()
        throw new SourceNotFoundError(`${this.host}/${repository} does not exist`)
      }
      if (!res.ok) throw await this.#failure(res, `listing the tags of ${repository}`)
      const body = (await res.json()) as { tags?: unknown }
      // The distribution spec's tag grammar: anything else from a registry is not a tag we could push.
      if (Array.isArray(body.tags))
        tags.push(...body.tags.filter((tag) => typeof tag === 'string' && TAG.test(tag)))
      path = nextPage(res.headers.get('link'), this.#base)
    }
    return tags
  }

  async manifest(repository: string, reference: string): Promise<Manifest | undefined> {
    const res = await this.#send({
      method: 'GET',
      path: `/v2/${repository}/manifests/${reference}`,
      scope: pull(repository),
      headers: { accept: MANIFEST_ACCEPT },
    })
    const limit = rateLimit(res.headers)
    if (limit !== undefined) this.#onRateLimit(limit)
    if (res.status === 404) {
      await res.body?.cancel()
      return undefined
    }
    if (!res.ok) throw await this.#failure(res, `reading ${repository}:${reference}`)
    if (Number(res.headers.get('content-length') ?? 0) > MAX_MANIFEST_BYTES) {
      await res.body?.cancel()
      throw new RegistryError(
        `${this.host} answered over 4 MiB for the manifest of ${repository}:${reference}`,
      )
    }
    const bytes = Buffer.from(await res.arrayBuffer())
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`
    // A digest asked for, and the one the registry states, must both be what the bytes hash to.
    const claims = [reference, res.headers.get('docker-content-digest') ?? digest]
    const wrong = claims.find((claim) => claim.startsWith('sha256:') && claim !== digest)
    if (wrong !== undefined) {
      throw new RegistryError(
        `the manifest ${this.host} served for ${repository}:${reference} hashes to ${digest}, not ${terminalLine(wrong.slice(0, 80))}`,
      )
    }
    const mediaType = res.headers.get('content-type') ?? ''
    return { digest, mediaType: mediaType.split(';')[0]?.trim() ?? '', bytes }
  }

  async hasManifest(repository: string, digest: string): Promise<boolean> {
    const res = await this.#send({
      method: 'HEAD',
      path: `/v2/${repository}/manifests/${digest}`,
      scope: pull(repository),
      headers: { accept: MANIFEST_ACCEPT },
    })
    return this.#exists(res, `looking for ${repository}@${digest}`)
  }

  async putManifest(repository: string, reference: string, manifest: Manifest): Promise<void> {
    const res = await this.#send({
      method: 'PUT',
      path: `/v2/${repository}/manifests/${reference}`,
      scope: push(repository),
      headers: { 'content-type': manifest.mediaType },
      body: manifest.bytes,
    })
    if (!res.ok) throw await this.#failure(res, `putting ${repository}:${reference} (${manifest.digest})`)
    await res.body?.cancel()
  }

  async hasBlob(repository: string, digest: string): Promise<boolean> {
    const res = await this.#send({
      method: 'HEAD',
      path: `/v2/${repository}/blobs/${digest}`,
      scope: pull(repository),
    })
    return this.#exists(res, `looking for blob ${digest} in ${repository}`)
  }

  async readBlob(repository: string, digest: string): Promise<BlobSource> {
    const res = await this.#send({
      method: 'GET',
      path: `/v2/${repository}/blobs/${digest}`,
      scope: pull(repository),
    })
    if (!res.ok || res.body === null)
      throw await this.#failure(res, `reading blob ${digest} of ${repository}`)
    return { size: Number(res.headers.get('content-length') ?? 0), stream: res.body }
  }

  async writeBlob(
    repository: string,
    digest: string,
    open: () => Promise<BlobSource>,
    mountFrom?: string,
  ): Promise<BlobWrite> {
    const query =
      mountFrom === undefined
        ? ''
        : `?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(mountFrom)}`
    const start = await this.#send({
      method: 'POST',
      path: `/v2/${repository}/blobs/uploads/${query}`,
      scope: push(repository),
      headers: { 'content-length': '0' },
    })
    if (start.status === 201 && mountFrom !== undefined) {
      await start.body?.cancel()
      return 'mounted'
    }
    if (start.status !== 202)
      throw await this.#failure(start, `starting the upload of ${digest} to ${repository}`)
    await start.body?.cancel()
    const blob = await open()
    // One PATCH with the whole stream, then the closing PUT: the upload go-containerregistry streams,
    // which ECR and the distribution registry both take, without a length known to the PUT.
    const patch = await this.#send({
      method: 'PATCH',
      path: this.#location(start, digest),
      scope: push(repository),
      headers: {
        'content-type': 'application/octet-stream',
        ...(blob.size > 0
          ? { 'content-length': String(blob.size), 'content-range': `0-${blob.size - 1}` }
          : {}),
      },
      body: blob.stream,
    })
    if (patch.status !== 202) throw await this.#failure(patch, `uploading ${digest} to ${repository}`)
    await patch.body?.cancel()
    const close = new URL(this.#location(patch, digest), this.#base)
    close.searchParams.set('digest', digest)
    const done = await this.#send({
      method: 'PUT',
      path: close.pathname + close.search,
      scope: push(repository),
      headers: { 'content-length': '0' },
    })
    if (done.status !== 201)
      throw await this.#failure(done, `completing the upload of ${digest} to ${repository}`)
    await done.body?.cancel()
    return 'uploaded'
  }

  #location(res: Response, digest: string): string {
    const location = res.headers.get('location')
    if (location === null) throw new RegistryError(`${this.host} gave no upload location for ${digest}`)
    const url = new URL(location, this.#base)
    if (url.origin !== this.#base.origin) {
      throw new RegistryError(`${this.host} sent the upload of ${digest} to another host; refused`)
    }
    return url.pathname + url.search
  }

  async #exists(res: Response, what: string): Promise<boolean> {
    await res.body?.cancel()
    if (res.status === 200) return true
    if (res.status === 404) return false
    throw await this.#failure(res, what)
  }

  /** Sends with the credentials the scope needs; on 401 gets them again from the challenge and retries once. */
}

const TAG = /^[\w][\w.-]{0,127}$/
const pull = (repository: string): string => `repository:${repository}:pull`
const push = (repository: string): string => `repository:${repository}:pull,push`
