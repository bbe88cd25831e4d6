import { createHash } from 'node:crypto'
import { OCI_INDEX, OCI_MANIFEST } from '../../controller/registry/media-types.ts'
import type { Manifest, Registry } from '../../controller/registry/registry.ts'

/** One platform's image: its manifest and the blobs (config first) it names. */
export interface TestImage {
  readonly manifest: Manifest
  readonly blobs: readonly Buffer[]
}

/** A multi-platform image: an OCI index over two platform images. */
export interface TestIndex {
  readonly index: Manifest
  readonly platforms: readonly TestImage[]
}

function digestOf(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`
}

function descriptor(mediaType: string, bytes: Buffer): { mediaType: string; digest: string; size: number } {
  return { mediaType, digest: digestOf(bytes), size: bytes.length }
}

/** An image whose layer holds `layer`; `seed` makes its config (and so its digest) distinct. */
export function testImage(seed: string, layer: Buffer = Buffer.from(`layer of ${seed}\n`)): TestImage {
  const config = Buffer.from(JSON.stringify({ architecture: seed, os: 'linux', rootfs: { type: 'layers' } }))
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: descriptor('application/vnd.oci.image.config.v1+json', config),
      layers: [descriptor('application/vnd.oci.image.layer.v1.tar+gzip', layer)],
    }),
  )
  return { manifest: { digest: digestOf(bytes), mediaType: OCI_MANIFEST, bytes }, blobs: [config, layer] }
}

/** An index over an amd64 and an arm64 image, both with a layer of their own and one they share. */
export function testIndex(seed: string): TestIndex {
  const platforms = ['amd64', 'arm64'].map((arch) => testImage(`${seed}-${arch}`))
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: platforms.map((image, i) => ({
        ...descriptor(OCI_MANIFEST, image.manifest.bytes),
        platform: { architecture: i === 0 ? 'amd64' : 'arm64', os: 'linux' },
      })),
    }),
  )
  return { index: { digest: digestOf(bytes), mediaType: OCI_INDEX, bytes }, platforms }
}

/** Pushes an image through the registry API: blobs, then the manifest under `reference`. */
export async function pushImage(
  registry: Registry,
  repository: string,
  image: TestImage,
  reference: string,
): Promise<void> {
  for (const blob of image.blobs) {
    await registry.writeBlob(repository, digestOf(blob), async () => ({
      size: blob.length,
      stream: streamOf(blob),
    }))
  }
  await registry.putManifest(repository, reference, image.manifest)
}

/** Pushes both platform images by digest, then the index under `tag`. */
export async function pushIndex(
  registry: Registry,
  repository: string,
  image: TestIndex,
  tag: string,
): Promise<void> {
  for (const platform of image.platforms)
    await pushImage(registry, repository, platform, platform.manifest.digest)
  await registry.putManifest(repository, tag, image.index)
}

export function streamOf(bytes: Buffer): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(new Uint8Array(bytes))
      controller.close()
    },
  })
}
