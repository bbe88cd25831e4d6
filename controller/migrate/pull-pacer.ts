import type { Manifest, RateLimit, Registry } from '../registry/registry.ts'

/** Below this share of the limit, pulls are spread out instead of spent. */
const RESERVE_SHARE = 0.1

/**
 * Slows manifest reads (what Docker Hub counts as pulls) before the source's rate limit is reached: once
 * fewer than a tenth of the pulls are left, one pull per `window / limit`, the pace the window refills
 * at. Sleep is passed in, so the pacing is tested without waiting.
 */
export class PullPacer {
  readonly #sleep: (ms: number) => Promise<void>
  readonly #note: (message: string) => void
  #last: RateLimit | undefined
  #noted = false

  constructor(sleep: (ms: number) => Promise<void>, note: (message: string) => void) {
    this.#sleep = sleep
    this.#note = note
  }

  observe(limit: RateLimit): void {
    this.#last = limit
  }

  /** How long the next pull waits, in milliseconds (0 while there is room). */
  pause(): number {
    const last = this.#last
    if (last === undefined || last.limit <= 0) return 0
    if (last.remaining > Math.max(2, Math.ceil(last.limit * RESERVE_SHARE))) return 0
    return Math.ceil((last.windowSeconds * 1000) / last.limit)
  }

  async beforePull(): Promise<void> {
    const ms = this.pause()
    if (ms === 0) return
    if (!this.#noted && this.#last !== undefined) {
      this.#noted = true
      const { remaining, limit, windowSeconds } = this.#last
      this.#note(
        `the source allows ${remaining} more of ${limit} pulls in ${windowSeconds / 3600} h: slowing to one pull every ${ms / 1000} s`,
      )
    }
    await this.#sleep(ms)
  }

  /** The registry with each manifest read paced. */
  paced(registry: Registry): Registry {
    return {
      host: registry.host,
      tags: (repository) => registry.tags(repository),
      manifest: async (repository, reference): Promise<Manifest | undefined> => {
        await this.beforePull()
        return registry.manifest(repository, reference)
      },
      hasManifest: (repository, digest) => registry.hasManifest(repository, digest),
      putManifest: (repository, reference, manifest) => registry.putManifest(repository, reference, manifest),
      hasBlob: (repository, digest) => registry.hasBlob(repository, digest),
      readBlob: (repository, digest) => registry.readBlob(repository, digest),
      writeBlob: (repository, digest, open, mountFrom) =>
        registry.writeBlob(repository, digest, open, mountFrom),
    }
  }
}
