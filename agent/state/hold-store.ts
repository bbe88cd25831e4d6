import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { InternalError } from '../../shared/errors.ts'
import type { ReleaseSpecText } from '../../shared/release.ts'
import { assertServiceName } from '../../shared/service-name.ts'
import { writeFileAtomic } from './atomic-file.ts'

/**
 * A digest the desired-state job must not deploy to a service until its Parameter Store value changes:
 * an operator rolled back from it, or deploying it failed (and was rolled back).
 */
export interface DesiredHold {
  readonly service: string
  readonly digest: string
  /** Why, in words for the log: `manual rollback to r3`, `deploy failed [E_HEALTH_FAILED]`. */
  readonly reason: string
  /** ISO time the hold was placed. */
  readonly since: string
  /**
   * The spec of the release held, when it came from a release parameter: the same digest with another
   * spec is another release, and not held. Absent in holds of bare images (the old layout).
   */
  readonly spec?: ReleaseSpecText
  /** The release selector it was placed for, for the log. */
  readonly release?: string
}

/** Where holds live between agent runs; one per service at most. */
export interface HoldStore {
  /** The service's hold, or undefined when none is placed. */
  read(service: string): Promise<DesiredHold | undefined>
  /** Places or replaces the service's hold, atomically. */
  write(hold: DesiredHold): Promise<void>
  /** Removes the service's hold; nothing happens when none is placed. */
  release(service: string): Promise<void>
}

/** One JSON file per service under `<state dir>/holds/`, written like the release ledgers. */
export class FileHoldStore implements HoldStore {
  readonly #dir: string

  constructor(stateDir: string) {
    this.#dir = join(stateDir, 'holds')
  }

  async read(service: string): Promise<DesiredHold | undefined> {
    const file = this.#file(service)
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw new InternalError(`cannot read the hold file ${file}: ${(error as Error).message}`, {
        cause: error,
      })
    }
    try {
      return JSON.parse(text) as DesiredHold
    } catch (error) {
      throw new InternalError(
        `the hold file ${file} is not valid JSON; delete it to let the desired-state job deploy again`,
        { cause: error },
      )
    }
  }

  async write(hold: DesiredHold): Promise<void> {
    const file = this.#file(hold.service)
    try {
      await writeFileAtomic(file, `${JSON.stringify(hold, null, 2)}\n`)
    } catch (error) {
      throw new InternalError(`cannot write the hold file ${file}: ${(error as Error).message}`, {
        cause: error,
      })
    }
  }

  async release(service: string): Promise<void> {
    const file = this.#file(service)
    try {
      await rm(file, { force: true })
    } catch (error) {
      throw new InternalError(`cannot remove the hold file ${file}: ${(error as Error).message}`, {
        cause: error,
      })
    }
  }

  #file(service: string): string {
    // The name becomes a path: the pattern check keeps it inside the state directory.
    return join(this.#dir, `${assertServiceName(service)}.json`)
  }
}
