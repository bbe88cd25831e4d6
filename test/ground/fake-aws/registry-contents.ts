import { createHash } from 'node:crypto'
import http from 'node:http'
import https from 'node:https'

/** A manifest as the registry stores it, with the digest the registry reports for it. */
export interface StoredManifest {
  readonly digest: string
  readonly mediaType: string
  readonly body: string
  /** Sum of the config and layer (or child manifest) sizes named in the manifest. */
  readonly sizeInBytes: number
}

/**
 * What the fake ECR needs to know about a registry, in its own words. The real implementation reads a
 * Registry HTTP API v2; unit tests use the in-memory one.
 */
export interface RegistryContents {
  /** Names of all repositories. */
  repositories(): Promise<string[]>
  /** Tags of a repository, or undefined when the repository does not exist. */
  tags(repository: string): Promise<string[] | undefined>
  /** The manifest a tag or digest names, or undefined when there is none. */
  manifest(repository: string, reference: string): Promise<StoredManifest | undefined>
}

/** The Docker image manifest media type, the one `docker push` writes. */
export const DOCKER_MANIFEST_V2 = 'application/vnd.docker.distribution.manifest.v2+json'

/** Media types asked for, so the registry answers with the stored manifest instead of converting it. */
export const MANIFEST_ACCEPT = [
  DOCKER_MANIFEST_V2,
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
].join(', ')

/** Sums the sizes a manifest names: config plus layers, or the child manifests of an index. */
export function manifestSize(body: string): number {
  const parsed = JSON.parse(body) as {
    config?: { size?: number }
    layers?: { size?: number }[]
    manifests?: { size?: number }[]
  }
  const parts = [parsed.config, ...(parsed.layers ?? []), ...(parsed.manifests ?? [])]
  return parts.reduce((sum, part) => sum + (part?.size ?? 0), 0)
}

/** Where the real registry is and how to log in to it. */
export interface RegistryAccess {
  readonly url: string
  readonly user: string
  readonly password: string
  /** PEM of the CA that signed the registry certificate. */
  readonly ca?: string
}

interface RawResponse {
  readonly status: number
  readonly headers: http.IncomingHttpHeaders
  readonly body: string
}

/** Reads a Registry HTTP API v2 (the distribution registry) with basic auth. */
export function httpRegistryContents(access: RegistryAccess): RegistryContents {
  const base = new URL(access.url)
  const auth = `Basic ${Buffer.from(`${access.user}:${access.password}`).toString('base64')}`
  const get = (path: string, accept?: string): Promise<RawResponse> =>
    new Promise((resolve, reject) => {
      const headers: Record<string, string> = { authorization: auth }
      if (accept !== undefined) headers.accept = accept
      const url = new URL(path, base)
      const client = url.protocol === 'https:' ? https : http
      const req = client.get(
        url,
        { headers, ...(access.ca === undefined ? {} : { ca: access.ca }) },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (chunk: Buffer) => chunks.push(chunk))
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString(),
            }),
          )
          res.on('error', reject)
        },
      )
      req.on('error', reject)
    })
  const expectOk = (response: RawResponse, what: string): void => {
    if (response.status !== 200)
      throw new Error(`registry answered ${response.status} for ${what}: ${response.body}`)
  }
  return {
    async repositories() {
      // The registry rejects page sizes above its cap, so ask for its default page and follow the Link header.
      const names: string[] = []
      let next: string | undefined = '/v2/_catalog'
      while (next !== undefined) {
        const response = await get(next)
        expectOk(response, 'the catalog')
        names.push(...((JSON.parse(response.body) as { repositories?: string[] }).repositories ?? []))
        const link = response.headers.link
        next = typeof link === 'string' ? /<([^>]+)>;\s*rel="next"/.exec(link)?.[1] : undefined
      }
      return names
    },
    async tags(repository) {
      const response = await get(`/v2/${repository}/tags/list`)
      if (response.status === 404) return undefined
      expectOk(response, `the tags of ${repository}`)
      return (JSON.parse(response.body) as { tags?: string[] | null }).tags ?? []
    },
    async manifest(repository, reference) {
      const response = await get(`/v2/${repository}/manifests/${reference}`, MANIFEST_ACCEPT)
      if (response.status === 404) return undefined
      expectOk(response, `the manifest ${repository}:${reference}`)
      const header = response.headers['docker-content-digest']
      const digest = typeof header === 'string' ? header : sha256(response.body)
      const mediaType = (response.headers['content-type'] ?? '').split(';')[0] ?? ''
      return { digest, mediaType, body: response.body, sizeInBytes: manifestSize(response.body) }
    },
  }
}

/** An in-memory registry for unit tests: push a manifest body under a tag, read it back by tag or digest. */
export class MemoryRegistryContents implements RegistryContents {
  readonly #repos = new Map<string, { tags: Map<string, string>; manifests: Map<string, StoredManifest> }>()

  /** Stores a manifest under a tag and returns its digest. */
  push(repository: string, tag: string, body: string, mediaType = DOCKER_MANIFEST_V2): string {
    const repo = this.#repos.get(repository) ?? { tags: new Map(), manifests: new Map() }
    this.#repos.set(repository, repo)
    const digest = sha256(body)
    repo.manifests.set(digest, { digest, mediaType, body, sizeInBytes: manifestSize(body) })
    repo.tags.set(tag, digest)
    return digest
  }

  async repositories(): Promise<string[]> {
    return [...this.#repos.keys()].sort()
  }

  async tags(repository: string): Promise<string[] | undefined> {
    const repo = this.#repos.get(repository)
    return repo === undefined ? undefined : [...repo.tags.keys()].sort()
  }

  async manifest(repository: string, reference: string): Promise<StoredManifest | undefined> {
    const repo = this.#repos.get(repository)
    const digest = reference.startsWith('sha256:') ? reference : repo?.tags.get(reference)
    return digest === undefined ? undefined : repo?.manifests.get(digest)
  }
}

function sha256(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`
}
