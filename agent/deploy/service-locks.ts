import { BusyError } from '../../shared/errors.ts'

/**
 * One operation per service at a time, in this process; different services run in parallel.
 * Waiters queue in arrival order.
 */
export class ServiceLocks {
  readonly #tails = new Map<string, Promise<void>>()

  /** True from the moment an operation is requested until the last queued one ends. */
  isHeld(service: string): boolean {
    return this.#tails.has(service)
  }

  /** Runs `action` holding the service's lock; without `wait`, a held lock is a BusyError at once. */
  async run<T>(service: string, wait: boolean, action: () => Promise<T>): Promise<T> {
    if (!wait && this.#tails.has(service)) {
      throw new BusyError(`a deploy of service "${service}" is already running on this instance`)
    }
    const before = this.#tails.get(service) ?? Promise.resolve()
    let release = (): void => {}
    const mine = new Promise<void>((resolve) => {
      release = resolve
    })
    const tail = before.then(() => mine)
    this.#tails.set(service, tail)
    await before
    try {
      return await action()
    } finally {
      release()
      if (this.#tails.get(service) === tail) this.#tails.delete(service)
    }
  }
}
