import { createHash } from 'node:crypto'
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type Docker from 'dockerode'
import type { GroundImage, TestImageName } from './ground.ts'
import { buildImage, importBusyboxBase, pushImage } from './image-builder.ts'
import { type ImageRecipe, imageRecipes } from './image-recipes.ts'
import { manifestDigest, type RegistryAccess } from './registry.ts'

type ImageSet = Record<TestImageName, GroundImage>

interface CacheRecord {
  readonly recipeHash: string
  readonly images: ImageSet
}

/**
 * Returns the pushed test images, building them only when the registry storage does not already
 * hold this exact recipe set: a reused ground starts in a second instead of rebuilding.
 */
export async function ensureTestImages(
  docker: Docker,
  groundDir: string,
  access: RegistryAccess,
): Promise<ImageSet> {
  const busybox = statSync('/bin/busybox')
  const base = 'ecr-ssm-deploy-ground/base:busybox'
  const recipes = imageRecipes(base)
  const recipeHash = createHash('sha256')
    .update(JSON.stringify({ recipes, busybox: [busybox.size, busybox.mtimeMs] }))
    .digest('hex')
  const cacheFile = join(groundDir, 'images.json')
  const cached = await readCache(cacheFile, recipeHash, access)
  if (cached !== null) return cached

  await importBusyboxBase(docker, groundDir, base)
  const uri = (recipe: ImageRecipe): string => `${access.host}/${recipe.repository}:${recipe.tag}`
  // Builds share the base and two cores; pushes are network-bound, so only they run in parallel.
  for (const recipe of recipes) await buildImage(docker, groundDir, recipe, uri(recipe))
  const pushed = await Promise.all(
    recipes.map(async (recipe) => {
      const image = { repository: recipe.repository, tag: recipe.tag, uri: uri(recipe) }
      return [recipe.name, await pushImage(docker, access, recipe.name, image)] as const
    }),
  )
  const images = Object.fromEntries(pushed) as ImageSet
  writeFileSync(cacheFile, `${JSON.stringify({ recipeHash, images } satisfies CacheRecord, null, 2)}\n`)
  return images
}

/** The cached image set, if it was built from the same recipes and the registry still serves it. */
async function readCache(
  cacheFile: string,
  recipeHash: string,
  access: RegistryAccess,
): Promise<ImageSet | null> {
  let record: CacheRecord
  try {
    record = JSON.parse(readFileSync(cacheFile, 'utf8')) as CacheRecord
  } catch {
    return null
  }
  if (record.recipeHash !== recipeHash) return null
  const images = Object.values(record.images)
  const served = await Promise.all(images.map((image) => manifestDigest(access, image.repository, image.tag)))
  return served.every((digest, index) => digest === images[index]?.digest) ? record.images : null
}
