/**
 * An OCI distribution registry (Docker Hub, ECR, any registry speaking the v2 API), in our words. The
 * migration copies through two of these and never sees HTTP. Manifests travel as the exact bytes the
 * registry served, so their digests never change; blobs travel as streams and are never held in memory.
 */

/** A manifest or index as stored: its bytes are what its digest is computed over. */
export interface Manifest {
  readonly digest: string
  readonly mediaType: string
  readonly bytes: Buffer
}

/** A blob being read: its size (from the registry) and a stream of its bytes. */
export interface BlobSource {
  readonly size: number
  readonly stream: ReadableStream<Uint8Array>
}

/** How a blob came to be in the target. */
export type BlobWrite = 'mounted' | 'uploaded'

/** The rate limit a registry announced on its last manifest read (Docker Hub's `ratelimit-*` headers). */
export interface RateLimit {
  readonly limit: number
  readonly remaining: number
  /** The window the limit counts over, in seconds. */
  readonly windowSeconds: number
}

export interface Registry {
  /** Host (and port) as the user named it, for messages. */
  readonly host: string
  /** Every tag of a repository, following `Link` pagination; throws SourceNotFoundError when the repository is missing. */
  tags(repository: string): Promise<string[]>
  /** The manifest a tag or digest names, or undefined when there is none. */
  manifest(repository: string, reference: string): Promise<Manifest | undefined>
  /** Whether the repository holds a manifest under this digest (a HEAD, which Docker Hub does not count as a pull). */
  hasManifest(repository: string, digest: string): Promise<boolean>
  /** Puts the manifest bytes unchanged under a tag or its digest. */
  putManifest(repository: string, reference: string, manifest: Manifest): Promise<void>
  hasBlob(repository: string, digest: string): Promise<boolean>
  readBlob(repository: string, digest: string): Promise<BlobSource>
  /**
   * Puts a blob: first as a cross-repository mount from `mountFrom` when given, and by upload of
   * `open()`'s stream when the registry refuses the mount (a registry may always refuse one).
   */
  writeBlob(
    repository: string,
    digest: string,
    open: () => Promise<BlobSource>,
    mountFrom?: string,
  ): Promise<BlobWrite>
}
