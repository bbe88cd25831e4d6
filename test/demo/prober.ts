/** What the prober saw: answers with 2xx, and anything else (refused, reset, 5xx). */
export interface ProbeCounts {
  readonly ok: number
  readonly failed: number
}

/** Requests every port's `/` in a loop, one request at a time per port, until stopped; counts failures. */
export function probe(ports: readonly number[]): { stop(): Promise<ProbeCounts> } {
  let running = true
  let ok = 0
  let failed = 0
  const loop = async (port: number) => {
    while (running) {
      const res = await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined)
      if (res?.ok) ok += 1
      else failed += 1
      await res?.text().catch(() => undefined)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }
  const loops = ports.map(loop)
  return {
    stop: async () => {
      running = false
      await Promise.all(loops)
      return { ok, failed }
    },
  }
}
