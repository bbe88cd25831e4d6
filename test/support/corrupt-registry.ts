import { gzipSync } from 'node:zlib'
import type { Test } from 'tap'
import { MiniRegistry, sha256 } from './mini-registry.ts'

const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json'

/** A registry on 127.0.0.1 whose image's one layer is served with a flipped byte. */
export interface CorruptRegistry {
  readonly port: number
  /** The image's manifest digest, for a digest-pinned reference. */
  readonly digest: string
  /** The layer's digest, which dockerd names when it refuses the layer. */
  readonly layerDigest: string
}

/**
 * Serves `repository:tag` whose layer fails dockerd's digest check. dockerd answers the pull with 200
 * before it downloads anything, then reports the refused layer as a message inside the progress stream
 * and does not retry it: a failure inside the stream, reproduced in well under a second.
 */
export async function startCorruptRegistry(
  t: Test,
  repository: string,
  tag: string,
): Promise<CorruptRegistry> {
  const registry = await new MiniRegistry({ auth: { kind: 'none' } }).start()
  t.teardown(() => registry.close())
  const tar = Buffer.alloc(10_240) // an empty tar archive: zero blocks only
  const layer = gzipSync(tar)
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: {},
      rootfs: { type: 'layers', diff_ids: [sha256(tar)] },
    }),
  )
  const configDigest = registry.addBlob(repository, config)
  const layerDigest = registry.addBlob(repository, layer)
  const flipped = Buffer.from(layer)
  flipped[flipped.length - 5] = (flipped[flipped.length - 5] ?? 0) ^ 0xff
  registry.blobs.set(`${repository}@${layerDigest}`, flipped)
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: DOCKER_MANIFEST,
      config: {
        mediaType: 'application/vnd.docker.container.image.v1+json',
        digest: configDigest,
        size: config.length,
      },
      layers: [
        {
          mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
          digest: layerDigest,
          size: layer.length,
        },
      ],
    }),
  )
  const digest = registry.addManifest(repository, DOCKER_MANIFEST, manifest, tag)
  return { port: Number(new URL(registry.url).port), digest, layerDigest }
}
