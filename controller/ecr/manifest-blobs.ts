import { z } from 'zod'
import { AwsError } from '../../shared/errors.ts'
import type { Blob } from '../cost/storage-cost.ts'

/*
 * The blobs an image manifest names, read from the manifest text BatchGetImage returns. An image manifest
 * (Docker v2 schema 2 or OCI) names a config and layers; an index (OCI index or Docker manifest list)
 * names child manifests, whose blobs the caller fetches in turn. Only the fields read are checked: a
 * manifest has others (annotations, platform, subject) that do not change what is stored.
 */

const descriptor = z.object({ digest: z.string().startsWith('sha256:'), size: z.number().int().min(0) })
const imageManifest = z.object({ config: descriptor, layers: z.array(descriptor) })
const index = z.object({ manifests: z.array(descriptor) })

export type ManifestBlobs =
  | { readonly kind: 'image'; readonly blobs: readonly Blob[] }
  | { readonly kind: 'index'; readonly children: readonly string[] }

export function manifestBlobs(text: string, where: string): ManifestBlobs {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new AwsError(`${where}: BatchGetImage returned a manifest that is not JSON`)
  }
  const asIndex = index.safeParse(json)
  if (asIndex.success) return { kind: 'index', children: asIndex.data.manifests.map((m) => m.digest) }
  const asImage = imageManifest.safeParse(json)
  if (!asImage.success)
    throw new AwsError(
      `${where}: the manifest names neither a config and layers nor child manifests (schema 1 or an unknown media type): ecr-deploy cost cannot size it`,
    )
  const { config, layers } = asImage.data
  return {
    kind: 'image',
    blobs: [config, ...layers].map((d) => ({ digest: d.digest, sizeBytes: d.size })),
  }
}
