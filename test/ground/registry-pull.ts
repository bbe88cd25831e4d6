import type Docker from 'dockerode'

/** Basic-auth credentials for one registry, as Docker's X-Registry-Auth wants them. */
export interface PullAuth {
  readonly username: string
  readonly password: string
  readonly serveraddress: string
}

/**
 * Pulls `uri` through the Engine API and resolves once the pull ends. Docker reports most pull
 * failures (401, unreachable registry) as an `error` event inside a 200 stream, so this turns
 * those into rejections instead of a silent success.
 */
export async function pullImage(docker: Docker, uri: string, auth?: PullAuth): Promise<void> {
  const stream = await docker.pull(uri, auth === undefined ? {} : { authconfig: auth })
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(stream, (error: Error | null, events: Array<{ error?: string }>) => {
      const failed = events.find((event) => event.error !== undefined)
      if (error !== null) reject(error)
      else if (failed) reject(new Error(`pull of ${uri} failed: ${failed.error}`))
      else resolve()
    })
  })
}
