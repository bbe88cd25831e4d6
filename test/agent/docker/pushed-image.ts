import { execFileSync } from 'node:child_process'
import Docker from 'dockerode'
import type { Test } from 'tap'
import type { Ground } from '../../ground/ground.ts'

/** An image this test built and pushed to the ground registry, in a repository of its own. */
export interface PushedImage {
  /** `<registry>/<repository>:<tag>` */
  readonly tagged: string
  /** `<registry>/<repository>@sha256:...`, as a deploy names it. */
  readonly pinned: string
  readonly digest: string
}

/**
 * Builds `FROM <ground v1>` plus the given Dockerfile lines (a unique label makes the image id and the
 * digest unique), pushes it with the registry password (as ECR credentials, never written to a file) and
 * removes the local image at teardown. The ground's v1 image is pulled first when missing.
 */
export async function buildAndPush(
  t: Test,
  ground: Ground,
  repository: string,
  tag: string,
  lines: readonly string[] = [],
): Promise<PushedImage> {
  const docker = new Docker({ socketPath: ground.dockerSocket })
  const authconfig = {
    username: ground.registryUser,
    password: ground.registryPassword,
    serveraddress: ground.registryUrl,
  }
  const base = ground.images.v1.uri
  if (
    !(await docker
      .getImage(base)
      .inspect()
      .catch(() => undefined))
  ) {
    await follow(docker, await docker.pull(base, { authconfig }))
  }
  const name = `${ground.registryHost}/${repository}`
  const tagged = `${name}:${tag}`
  execFileSync('/usr/bin/docker', ['build', '-q', '-t', tagged, '-'], {
    input: [`FROM ${base}`, `LABEL test.image=${repository}-${tag}`, ...lines, ''].join('\n'),
    stdio: ['pipe', 'ignore', 'pipe'],
  })
  t.teardown(async () => {
    const left = await docker
      .getImage(tagged)
      .inspect()
      .catch(() => undefined)
    if (left)
      await docker
        .getImage(left.Id)
        .remove({ force: true })
        .catch(() => undefined)
  })
  await follow(docker, await docker.getImage(tagged).push({ authconfig }))
  const info = await docker.getImage(tagged).inspect()
  const pinned = info.RepoDigests.find((ref) => ref.startsWith(`${name}@`))
  if (!pinned) throw new Error(`push of ${tagged} left no digest: ${info.RepoDigests.join(', ')}`)
  return { tagged, pinned, digest: pinned.slice(name.length + 1) }
}

/** Waits for a pull or push stream; Docker reports failures inside the stream, not as an HTTP error. */
function follow(docker: Docker, stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (error) => (error ? reject(error) : resolve()),
      (event: { error?: string }) => {
        if (event.error) reject(new Error(event.error))
      },
    )
  })
}
