import { execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { copyFileSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type Docker from 'dockerode'
import type { GroundImage, TestImageName } from './ground.ts'
import type { ImageRecipe } from './image-recipes.ts'
import { manifestDigest, type RegistryAccess } from './registry.ts'

const BUSYBOX = '/bin/busybox'

/** A progress event of the Docker build/import/push streams. */
interface StreamEvent {
  error?: string
  aux?: { Digest?: string }
}

/**
 * Imports a root filesystem of busybox-static and its applet symlinks as image `tag`.
 * There is no internet here, so this is the base every test image builds on.
 */
export async function importBusyboxBase(docker: Docker, workDir: string, tag: string): Promise<void> {
  const root = join(workDir, 'base-root')
  rmSync(root, { recursive: true, force: true })
  mkdirSync(join(root, 'bin'), { recursive: true })
  mkdirSync(join(root, 'tmp'))
  copyFileSync(BUSYBOX, join(root, 'bin/busybox'))
  for (const applet of execFileSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).split('\n')) {
    if (applet !== '' && applet !== 'busybox') symlinkSync('busybox', join(root, 'bin', applet))
  }
  const tar = spawn('tar', ['-C', root, '--numeric-owner', '--owner=0', '--group=0', '-c', '.'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const [repo, version] = tag.split(':')
  await follow(docker, await docker.importImage(tar.stdout, { repo, tag: version }), `import of ${tag}`)
  rmSync(root, { recursive: true, force: true })
}

/** Builds one recipe into `uri` with the classic builder (no BuildKit, no network needed). */
export async function buildImage(
  docker: Docker,
  workDir: string,
  recipe: ImageRecipe,
  uri: string,
): Promise<void> {
  const context = join(workDir, `context-${recipe.name}`)
  rmSync(context, { recursive: true, force: true })
  const files: Record<string, string | Buffer> = { ...recipe.files, Dockerfile: recipe.dockerfile }
  // Random bytes defeat layer compression, so "big" really moves ~50 MB through a pull.
  if (recipe.randomBytes !== undefined) files['big.bin'] = randomBytes(recipe.randomBytes)
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(context, path)), { recursive: true })
    writeFileSync(join(context, path), content)
  }
  const src = [...new Set(Object.keys(files).map((path) => path.split('/')[0] ?? path))]
  const stream = await docker.buildImage({ context, src }, { t: uri, forcerm: true })
  await follow(docker, stream, `build of ${uri}`)
  rmSync(context, { recursive: true, force: true })
}

/** Pushes `image` and returns it with the digest the registry now serves for its tag. */
export async function pushImage(
  docker: Docker,
  access: RegistryAccess,
  name: TestImageName,
  image: Omit<GroundImage, 'digest'>,
): Promise<GroundImage> {
  const authconfig = { username: access.user, password: access.password, serveraddress: access.host }
  const repository = `${access.host}/${image.repository}`
  const stream = await docker.getImage(repository).push({ tag: image.tag, authconfig })
  await follow(docker, stream, `push of ${image.uri}`)
  const digest = await manifestDigest(access, image.repository, image.tag)
  if (digest === null)
    throw new Error(`the registry does not serve ${image.uri} (${name}) right after its push`)
  return { ...image, digest }
}

/** Waits for a Docker progress stream to end; Docker reports failures as events, not statuses. */
function follow(docker: Docker, stream: NodeJS.ReadableStream, what: string): Promise<StreamEvent[]> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (error: Error | null, events: StreamEvent[]) => {
      const failed = events.find((event) => event.error !== undefined)
      if (error !== null) reject(new Error(`${what} failed: ${error.message}`))
      else if (failed) reject(new Error(`${what} failed: ${failed.error}`))
      else resolve(events)
    })
  })
}
