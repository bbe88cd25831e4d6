import { RegistryError } from '../../shared/errors.ts'
import { manifestContent } from '../registry/media-types.ts'
import type { BlobSource, Manifest, Registry } from '../registry/registry.ts'

/** Where a copy reads and writes, and whom it tells the bytes it moves. */
export interface CopyRoute {
  readonly source: Registry
  readonly sourceRepository: string
  readonly target: Registry
  readonly targetRepository: string
  /** An ECR repository of the same registry that may already hold the blobs (a mount costs no upload). */
  readonly mountFrom?: string
  readonly onBytes: (bytes: number) => void
}

/**
 * Copies what a manifest names, then the manifest itself under `reference`, so a reference never names
 * something incomplete: an index's child manifests (each with its blobs) go first, byte for byte, and the
 * index keeps its digest. What the target already holds is not read from the source. Returns the bytes
 * uploaded.
 */
export async function copyManifest(
  route: CopyRoute,
  manifest: Manifest,
  reference: string,
  where: string,
): Promise<number> {
  const content = manifestContent(manifest.mediaType, manifest.bytes, where)
  let bytes = 0
  if (content.kind === 'index') {
    for (const child of content.children) {
      if (await route.target.hasManifest(route.targetRepository, child.digest)) continue
      const childManifest = await route.source.manifest(route.sourceRepository, child.digest)
      if (childManifest === undefined) {
        throw new RegistryError(`${where} lists ${child.digest}, which the source does not serve`)
      }
      bytes += await copyManifest(route, childManifest, child.digest, `${where} (${child.digest})`)
    }
  } else {
    for (const blob of content.blobs) bytes += await copyBlob(route, blob.digest)
  }
  await route.target.putManifest(route.targetRepository, reference, manifest)
  return bytes
}

async function copyBlob(route: CopyRoute, digest: string): Promise<number> {
  if (await route.target.hasBlob(route.targetRepository, digest)) return 0
  let size = 0
  const open = async (): Promise<BlobSource> => {
    const blob = await route.source.readBlob(route.sourceRepository, digest)
    size = blob.size
    return { size: blob.size, stream: blob.stream.pipeThrough(counter(route.onBytes)) }
  }
  const how = await route.target.writeBlob(route.targetRepository, digest, open, route.mountFrom)
  return how === 'uploaded' ? size : 0
}

/** Passes bytes through unchanged, telling how many went by. */
function counter(onBytes: (bytes: number) => void): TransformStream<Uint8Array, Uint8Array> {
  return new TransformStream({
    transform(chunk, controller) {
      onBytes(chunk.byteLength)
      controller.enqueue(chunk)
    },
  })
}
