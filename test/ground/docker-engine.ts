import { request } from 'node:http'
import { join } from 'node:path'
import { spawnDaemon, stopDaemon, waitUntil } from './daemon-process.js'

const DOCKERD = '/usr/sbin/dockerd'

/** True when the Docker Engine answers `/_ping` on the socket. */
export function dockerAnswers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', timeout: 2000 }, (res) => {
      res.resume()
      resolve(res.statusCode === 200)
    })
    req.on('timeout', () => req.destroy())
    req.on('error', () => resolve(false))
    req.end()
  })
}

/**
 * Makes sure a Docker Engine answers on the socket. Returns the pid of the dockerd this call
 * started, or null when one was already running (then it is not ours to stop). `extraArgs` lets
 * a test run a second, isolated engine next to the machine's one.
 */
export async function ensureDockerd(
  socketPath: string,
  groundDir: string,
  extraArgs: readonly string[] = [],
): Promise<number | null> {
  if (await dockerAnswers(socketPath)) return null
  const logPath = join(groundDir, 'dockerd.log')
  const pid = spawnDaemon(DOCKERD, ['--host', `unix://${socketPath}`, ...extraArgs], logPath)
  try {
    await waitUntil(`dockerd to answer on ${socketPath} (log: ${logPath})`, 30_000, () =>
      dockerAnswers(socketPath),
    )
  } catch (error) {
    await stopDockerd(pid)
    throw error
  }
  return pid
}

/** Stops a dockerd the ground started; its containers stop with it. */
export function stopDockerd(pid: number): Promise<void> {
  return stopDaemon(pid, DOCKERD, 30_000)
}
