import { z } from 'zod'
import { RegistryError } from '../../shared/errors.ts'

/** The manifest formats a copy keeps byte for byte; asked for together so no registry converts one. */
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json'
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
export const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json'
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json'

export const MANIFEST_ACCEPT = [OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST].join(', ')

const INDEX_TYPES = new Set([OCI_INDEX, DOCKER_LIST])
const IMAGE_TYPES = new Set([OCI_MANIFEST, DOCKER_MANIFEST])

const DIGEST = z.string().regex(/^sha256:[0-9a-f]{64}$/)
const descriptor = z.object({
  mediaType: z.string().optional(),
  digest: DIGEST,
  size: z.number().int().nonnegative(),
  urls: z.array(z.string()).optional(),
})
const indexSchema = z.object({ manifests: z.array(descriptor) })
const imageSchema = z.object({ config: descriptor, layers: z.array(descriptor) })

export interface Descriptor {
  readonly digest: string
  readonly size: number
}

/** What a manifest points at: child manifests (an index) or blobs (an image). */
export type ManifestContent =
  | { readonly kind: 'index'; readonly children: readonly Descriptor[] }
  | { readonly kind: 'image'; readonly blobs: readonly Descriptor[] }

/**
 * Reads what a manifest names. Layers with `urls` (non-distributable, as Windows base layers are) live
 * outside the registry and are not copied, as `docker push` does not push them.
 */
export function manifestContent(mediaType: string, bytes: Buffer, where: string): ManifestContent {
  let json: unknown
  try {
    json = JSON.parse(bytes.toString('utf8'))
  } catch (error) {
    throw new RegistryError(`the manifest of ${where} is not JSON`, { cause: error })
  }
  const type = mediaType.split(';')[0]?.trim() ?? ''
  if (INDEX_TYPES.has(type)) {
    const parsed = indexSchema.safeParse(json)
    if (!parsed.success) throw new RegistryError(`the index of ${where} does not list valid manifests`)
    return { kind: 'index', children: parsed.data.manifests.map(({ digest, size }) => ({ digest, size })) }
  }
  if (IMAGE_TYPES.has(type)) {
    const parsed = imageSchema.safeParse(json)
    if (!parsed.success) throw new RegistryError(`the manifest of ${where} does not list a config and layers`)
    const blobs = [parsed.data.config, ...parsed.data.layers.filter((layer) => layer.urls === undefined)]
    return { kind: 'image', blobs: blobs.map(({ digest, size }) => ({ digest, size })) }
  }
  throw new RegistryError(
    `${where} is a ${JSON.stringify(type.slice(0, 100))} manifest; only OCI and Docker v2 images and indexes are copied`,
  )
}
