import { createHash } from 'node:crypto'
import type { ImageCatalog, ImageId } from './ecr-images.ts'
import type { TagChanges } from './ecr-tags.ts'
import { AwsError, type JsonInput, optionalString, requiredString } from './protocol.ts'
import type { JsonOperations } from './server.ts'

/**
 * PutImage (a new tag for a manifest the repository holds) and BatchDeleteImage (by tag or digest), as ECR
 * answers them: the same manifest under the same tag is ImageAlreadyExistsException; removing an image's
 * last tag deletes the image; ids that match nothing are `failures`, not errors.
 */
export function writeOperations(
  changes: TagChanges,
  catalog: ImageCatalog,
  accountId: string,
): JsonOperations {
  return {
    PutImage: async (input: JsonInput) => {
      const name = requiredString(input, 'repositoryName')
      const body = requiredString(input, 'imageManifest')
      const tag = optionalString(input, 'imageTag')
      await catalog.requireTags(name)
      const digest =
        optionalString(input, 'imageDigest') ?? `sha256:${createHash('sha256').update(body).digest('hex')}`
      const manifest = await changes.manifest(name, digest)
      if (manifest === undefined || manifest.body !== body) {
        throw new AwsError(
          'LayersNotFoundException',
          `The image manifest references images or layers that are not in the repository with name '${name}'`,
        )
      }
      if (tag !== undefined) {
        const current = await changes.manifest(name, tag)
        if (current?.digest === digest) {
          throw new AwsError(
            'ImageAlreadyExistsException',
            `Image with digest '${digest}' and tag '${tag}' already exists in the repository with name '${name}' in registry with id '${accountId}'`,
          )
        }
        changes.putTag(name, tag, digest)
      }
      return {
        image: {
          registryId: accountId,
          repositoryName: name,
          imageId: { imageDigest: digest, ...(tag === undefined ? {} : { imageTag: tag }) },
          imageManifest: body,
          imageManifestMediaType: manifest.mediaType,
        },
      }
    },
    BatchDeleteImage: async (input: JsonInput) => {
      const name = requiredString(input, 'repositoryName')
      await catalog.requireTags(name)
      const deleted: ImageId[] = []
      const failures: unknown[] = []
      for (const id of (input.imageIds as ImageId[] | undefined) ?? []) {
        const manifest = await changes.manifest(name, id.imageTag ?? id.imageDigest ?? '')
        if (manifest === undefined || (id.imageDigest !== undefined && id.imageDigest !== manifest.digest)) {
          failures.push({
            imageId: id,
            failureCode: manifest === undefined ? 'ImageNotFound' : 'ImageTagDoesNotMatchDigest',
            failureReason:
              manifest === undefined ? 'Requested image not found' : 'Invalid image tag for image digest',
          })
          continue
        }
        if (id.imageTag !== undefined) await changes.removeTag(name, id.imageTag, manifest.digest)
        else changes.deleteImage(name, manifest.digest)
        deleted.push({
          imageDigest: manifest.digest,
          ...(id.imageTag === undefined ? {} : { imageTag: id.imageTag }),
        })
      }
      return { imageIds: deleted, failures }
    },
  }
}
