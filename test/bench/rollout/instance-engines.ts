import { execFile, spawn } from 'node:child_process'
import { closeSync, openSync } from 'node:fs'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { isAlive, stopDaemon, waitUntil } from '../../ground/daemon-process.ts'
import { dockerAnswers } from '../../ground/docker-engine.ts'

const DOCKERD = '/usr/sbin/dockerd'
const run = promisify(execFile)

/**
 * One Docker Engine per simulated instance, each with its own image store, so that every instance pulls
 * the release itself as an EC2 instance does (the ground's one dockerd would pull once for all). They
 * share the host's network namespace, so each stays out of the others' way: no iptables rules (published
 * ports go through docker-proxy), a default bridge of its own made here (a dockerd given none, or given
 * docker0, would delete or take over the host engine's), its own address pool for the one network the
 * fleet creates on it, and its own containerd under its own exec root. Their pulls go through `proxyFor(i)`.
 */
export interface InstanceEngine {
  readonly socket: string
  readonly pid: number
  /** dockerd's own log (warnings and errors), gone once the engines stop. */
  readonly log: string
}

export interface EngineFleet {
  readonly engines: readonly InstanceEngine[]
  stop(): Promise<void>
}

export async function startInstanceEngines(
  count: number,
  dir: string,
  proxyFor: (index: number) => string,
): Promise<EngineFleet> {
  const engines: InstanceEngine[] = []
  const roots: string[] = []
  const bridges: string[] = []
  const stop = async () => {
    await Promise.all(engines.map((engine) => stopDaemon(engine.pid, DOCKERD, 30_000)))
    await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })))
    await Promise.all(bridges.map((bridge) => run('ip', ['link', 'delete', bridge]).catch(() => undefined)))
    await rm(dir, { recursive: true, force: true })
  }
  try {
    // dockerd would otherwise read the host's /etc/docker/daemon.json.
    const config = join(dir, 'daemon.json')
    await mkdir(dir, { recursive: true })
    await writeFile(config, '{}\n')
    const started = Array.from({ length: count }, async (_, index) => {
      const home = join(dir, `engine-${index}`)
      // containerd's socket path must stay under the 108 bytes of a unix socket address.
      const execRoot = `/run/erb-${process.pid}-${index}`
      roots.push(execRoot)
      // At most 15 characters, an interface name's limit.
      const bridge = `erb${process.pid % 10_000}-${index}`
      bridges.push(bridge)
      // One left by a run that was killed.
      await run('ip', ['link', 'delete', bridge]).catch(() => undefined)
      await run('ip', ['link', 'add', bridge, 'type', 'bridge'])
      await run('ip', ['address', 'add', `10.232.${index}.1/24`, 'dev', bridge])
      await run('ip', ['link', 'set', bridge, 'up'])
      await mkdir(home, { recursive: true })
      const socket = join(home, 'docker.sock')
      const logPath = join(home, 'dockerd.log')
      const log = openSync(logPath, 'w')
      const child = spawn(
        DOCKERD,
        [
          '--config-file',
          config,
          '--host',
          `unix://${socket}`,
          '--data-root',
          join(home, 'data'),
          '--exec-root',
          execRoot,
          '--pidfile',
          join(home, 'dockerd.pid'),
          '--iptables=false',
          '--ip-masq=false',
          `--bridge=${bridge}`,
          '--default-address-pool',
          `base=10.231.${index}.0/24,size=24`,
          '--log-level=warn',
        ],
        {
          stdio: ['ignore', log, log],
          env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', HTTPS_PROXY: proxyFor(index) },
        },
      )
      closeSync(log)
      if (child.pid === undefined) throw new Error(`could not start ${DOCKERD}`)
      const engine = { socket, pid: child.pid, log: logPath }
      engines.push(engine)
      await waitUntil(`dockerd ${index} to answer on ${socket}`, 60_000, async () => {
        if (!isAlive(engine.pid)) throw new Error(`dockerd ${index} exited at start: see ${logPath}`)
        return dockerAnswers(socket)
      })
      return engine
    })
    const ready = await Promise.all(started)
    return { engines: ready, stop }
  } catch (error) {
    await stop()
    throw error
  }
}
