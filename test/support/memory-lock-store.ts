import type { LockParameterStore, StoredLock } from '../../controller/lock/lock-store.ts'

export interface LockStoreCall {
  readonly method: keyof LockParameterStore
  readonly name: string
  readonly value?: string
  readonly version?: number
}

/**
 * A {@link LockParameterStore} over memory that keeps Parameter Store's rules (versions counted within one
 * history, a delete dropping the history so that the next create is version 1 again) and records every
 * call. `before` runs before each call, so a test can make another party act at that exact point.
 */
export class MemoryLockStore implements LockParameterStore {
  readonly calls: LockStoreCall[] = []
  before: (call: LockStoreCall) => Promise<void> | void = () => {}
  readonly #history = new Map<string, StoredLock[]>()

  /** The newest value, without recording a call. */
  valueOf(name: string): string | undefined {
    return this.#history.get(name)?.at(-1)?.value
  }

  /** Writes as another party would, without recording a call. */
  put(name: string, value: string): number {
    const history = this.#history.get(name) ?? []
    const version = (history.at(-1)?.version ?? 0) + 1
    history.push({ value, version })
    this.#history.set(name, history)
    return version
  }

  drop(name: string): void {
    this.#history.delete(name)
  }

  async create(name: string, value: string): Promise<boolean> {
    await this.#record({ method: 'create', name, value })
    if (this.#history.has(name)) return false
    this.put(name, value)
    return true
  }

  async overwrite(name: string, value: string): Promise<number> {
    await this.#record({ method: 'overwrite', name, value })
    return this.put(name, value)
  }

  async read(name: string): Promise<StoredLock | undefined> {
    await this.#record({ method: 'read', name })
    return this.#history.get(name)?.at(-1)
  }

  async readVersion(name: string, version: number): Promise<StoredLock | undefined> {
    await this.#record({ method: 'readVersion', name, version })
    return this.#history.get(name)?.find((entry) => entry.version === version)
  }

  async remove(name: string): Promise<boolean> {
    await this.#record({ method: 'remove', name })
    return this.#history.delete(name)
  }

  async #record(call: LockStoreCall): Promise<void> {
    this.calls.push(call)
    await this.before(call)
  }
}
