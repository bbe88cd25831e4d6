import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { InternalError } from '../../shared/errors.ts'
import { assertServiceName } from '../../shared/service-name.ts'
import { writeFileAtomic } from './atomic-file.ts'
import { emptyLedger, type ServiceLedger } from './ledger.ts'
import type { StateStore } from './state-store.ts'

/** One JSON file per service under `<dir>/services/`, replaced by write-temp, fsync, rename. */
export class FileStateStore implements StateStore {
  readonly #dir: string

  constructor(stateDir: string) {
    this.#dir = join(stateDir, 'services')
  }

  async read(service: string): Promise<ServiceLedger> {
    const file = this.#file(service)
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyLedger(service)
      throw new InternalError(`cannot read the state file ${file}: ${(error as Error).message}`, {
        cause: error,
      })
    }
    try {
      return JSON.parse(text) as ServiceLedger
    } catch (error) {
      throw new InternalError(`the state file ${file} is not valid JSON; move it aside to start over`, {
        cause: error,
      })
    }
  }

  async write(ledger: ServiceLedger): Promise<void> {
    const file = this.#file(ledger.service)
    try {
      await writeFileAtomic(file, `${JSON.stringify(ledger, null, 2)}\n`)
    } catch (error) {
      throw new InternalError(`cannot write the state file ${file}: ${(error as Error).message}`, {
        cause: error,
      })
    }
  }

  async services(): Promise<readonly string[]> {
    try {
      const names = await readdir(this.#dir)
      return names.filter((name) => name.endsWith('.json')).map((name) => name.slice(0, -'.json'.length))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw error
    }
  }

  #file(service: string): string {
    // The name becomes a path: the pattern check keeps it inside the state directory.
    return join(this.#dir, `${assertServiceName(service)}.json`)
  }
}
