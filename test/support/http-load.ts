import { request } from 'node:http'

/** What a load run saw: answers by body, failures by error, and the longest time without a success. */
export interface LoadResult {
  readonly ok: number
  readonly failed: number
  readonly errors: Readonly<Record<string, number>>
  readonly bodies: Readonly<Record<string, number>>
  /** The last body answered, to tell which release served at the end. */
  readonly last: string
  readonly longestGapMs: number
  readonly latenciesMs: readonly number[]
  /** When each failed request started (performance.now()), and why it failed. */
  readonly failures: ReadonlyArray<{ readonly atMs: number; readonly error: string }>
}

export interface Load {
  /** Stops the clients after their current request and resolves with the counts. */
  stop(): Promise<LoadResult>
  /** Resolves once at least `count` more requests have succeeded. */
  successes(count: number): Promise<void>
}

/**
 * `clients` concurrent loops of `GET http://<host>:<port>/` (host 127.0.0.1 unless given), each on a new
 * connection, until stop() or `maxRequests` in all (bounded, so a forgotten stop() cannot spin forever).
 * The host is only ever loopback, a container the test itself started, or the host end of a
 * benchmark's own veth pair.
 */
export function startLoad(port: number, clients = 4, maxRequests = 1_000_000, host = '127.0.0.1'): Load {
  let running = true
  let sent = 0
  let ok = 0
  let failed = 0
  let last = ''
  let lastSuccess = performance.now()
  let longestGapMs = 0
  const errors: Record<string, number> = {}
  const bodies: Record<string, number> = {}
  const latenciesMs: number[] = []
  const failures: Array<{ atMs: number; error: string }> = []
  const waiters: Array<{ at: number; resolve: () => void }> = []
  const loop = async (): Promise<void> => {
    while (running && sent < maxRequests) {
      sent += 1
      const started = performance.now()
      const answer = await get(host, port)
      const now = performance.now()
      if ('body' in answer && answer.status === 200) {
        ok += 1
        last = answer.body
        bodies[answer.body] = (bodies[answer.body] ?? 0) + 1
        latenciesMs.push(now - started)
        longestGapMs = Math.max(longestGapMs, now - lastSuccess)
        lastSuccess = now
        for (const waiter of waiters.filter((w) => ok >= w.at)) {
          waiters.splice(waiters.indexOf(waiter), 1)
          waiter.resolve()
        }
      } else {
        failed += 1
        const key = 'error' in answer ? answer.error : `HTTP ${answer.status}`
        errors[key] = (errors[key] ?? 0) + 1
        failures.push({ atMs: started, error: key })
        // A refused connection fails in microseconds; a short pause, as a client's retry would take,
        // keeps a down port from turning the loop into a busy spin that starves the machine.
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
    }
  }
  const loops = Array.from({ length: clients }, () => loop())
  return {
    async stop() {
      running = false
      await Promise.all(loops)
      return { ok, failed, errors, bodies, last, longestGapMs, latenciesMs, failures }
    },
    successes: (count) => new Promise((resolve) => waiters.push({ at: ok + count, resolve })),
  }
}

function get(host: string, port: number): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const req = request({ host, port, path: '/', agent: false, timeout: 5000 }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        body += chunk
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: body.trim() }))
      res.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }))
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }))
    req.end()
  })
}
