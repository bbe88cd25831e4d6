import { request } from 'node:http'
import { join } from 'node:path'
import { spawnDaemon, stopDaemon, waitUntil } from './daemon-process.ts'

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

/** How to run dockerd; the defaults start the machine's engine. */
export interface DockerdLaunch {
  /** Flags after `--host`. */
  readonly extraArgs?: readonly string[]
  /** A command that execs dockerd, e.g. `unshare --net --` to keep it off the host's network. */
  readonly wrapper?: readonly string[]
}

/**
 * Makes sure a Docker Engine answers on the socket. Returns the pid of the dockerd this call
 * started, or null when one was already running (then it is not ours to stop).
 */
export async function ensureDockerd(
  socketPath: string,
  groundDir: string,
  launch: DockerdLaunch = {},
): Promise<number | null> {
  if (await dockerAnswers(socketPath)) return null
  const logPath = join(groundDir, 'dockerd.log')
  const argv = [
    ...(launch.wrapper ?? []),
    DOCKERD,
    '--host',
    `unix://${socketPath}`,
    ...(launch.extraArgs ?? []),
  ]
  const [command = DOCKERD, ...args] = argv
  const pid = spawnDaemon(command, args, logPath)
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
