import { spawn, spawnSync } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

/** What one load from outside saw. */
export interface OutsideLoad {
  readonly ok: number
  readonly failed: number
  readonly errors: Readonly<Record<string, number>>
  readonly latenciesMs: readonly number[]
}

/**
 * A client outside the host, as far as the host's network stack can tell: a network namespace joined
 * to the host by a veth pair on a private /30. Its requests arrive on the host's end of the pair, so a
 * published port takes the kernel's path (iptables DNAT) as a real client's would, not Docker's userland
 * forwarder that loopback clients meet.
 */
export interface OutsideClient {
  /** The host's end of the pair: publish on it, and the client reaches it. */
  readonly hostAddress: string
  /**
   * Loads `host:port` from inside for `ms`; `sample` is called just before the load starts and just after
   * it ends (process start-up stays outside), e.g. to read CPU counters.
   */
  load<T>(
    host: string,
    port: number,
    clients: number,
    ms: number,
    sample: () => T,
  ): Promise<{ result: OutsideLoad; before: T; after: T }>
  /** Deletes the namespace and with it both ends of the pair; safe to call twice, or after a failed start. */
  remove(): void
}

const CLIENT = fileURLToPath(new URL('./load-client.ts', import.meta.url))

/** Creates the namespace and pair, named and numbered from `id` (e.g. the pid) so that runs do not clash. */
export function createOutsideClient(id: number): OutsideClient {
  const ns = `ecr-bench-${id}`
  const hostEnd = `ebh${id % 1_000_000}`
  const inside = `ebc${id % 1_000_000}`
  const base = ((id >> 6) & 0xff) * 256 + (id & 0x3f) * 4
  const address = (offset: number) =>
    `10.253.${Math.floor((base + offset) / 256) % 256}.${(base + offset) % 256}`
  const hostAddress = address(1)
  const remove = () => {
    // Deleting the namespace deletes the end inside it, and a veth end takes its peer with it.
    spawnSync('ip', ['netns', 'delete', ns])
    spawnSync('ip', ['link', 'delete', hostEnd])
  }
  try {
    ip('netns', 'add', ns)
    ip('link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', inside)
    ip('link', 'set', inside, 'netns', ns)
    ip('addr', 'add', `${hostAddress}/30`, 'dev', hostEnd)
    ip('link', 'set', hostEnd, 'up')
    ip('-n', ns, 'addr', 'add', `${address(2)}/30`, 'dev', inside)
    ip('-n', ns, 'link', 'set', inside, 'up')
    ip('-n', ns, 'link', 'set', 'lo', 'up')
    // Container addresses are reached through the host, as from any machine routed to it.
    ip('-n', ns, 'route', 'add', 'default', 'via', hostAddress)
  } catch (error) {
    remove()
    throw error
  }
  return {
    hostAddress,
    remove,
    load: (host, port, clients, ms, sample) =>
      new Promise((resolve, reject) => {
        const child = spawn(
          'ip',
          [
            'netns',
            'exec',
            ns,
            process.execPath,
            '--import',
            'tsx',
            CLIENT,
            host,
            String(port),
            String(clients),
            String(ms),
          ],
          { stdio: ['pipe', 'pipe', 'inherit'] },
        )
        let before: ReturnType<typeof sample> | undefined
        createInterface({ input: child.stdout }).on('line', (line) => {
          if (line === 'ready') {
            before = sample()
            child.stdin.write('go\n')
          } else if (before !== undefined) {
            const after = sample()
            resolve({ result: JSON.parse(line) as OutsideLoad, before, after })
          }
        })
        child.on('error', reject)
        child.on('exit', (code) => {
          if (code !== 0) reject(new Error(`the load client in ${ns} exited ${code}`))
        })
      }),
  }
}

function ip(...args: string[]): void {
  const run = spawnSync('ip', args, { encoding: 'utf8' })
  if (run.status !== 0) throw new Error(`ip ${args.join(' ')} failed: ${run.stderr.trim() || run.error}`)
}
