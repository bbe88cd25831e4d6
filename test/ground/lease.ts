import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { isAlive } from './daemon-process.ts'

/**
 * Cross-process coordination for the shared ground. Every tap run holds a lease (a file named by
 * the tap runner's pid) while it uses the ground; setup and teardown change the ground only while
 * holding the lock, so one run never stops what another is starting. Leases and locks of dead
 * processes are ignored, which keeps a killed run from pinning the ground forever.
 */
export interface LeaseBook {
  /** Runs `work` while holding the ground lock; waits up to `timeoutMs` for the lock. */
  withLock<T>(timeoutMs: number, work: () => Promise<T>): Promise<T>
  take(pid: number): void
  release(pid: number): void
  /** Pids of runs still holding a lease, dropping the leases of dead processes. */
  liveHolders(): number[]
}

export function openLeaseBook(dir: string): LeaseBook {
  const leasesDir = join(dir, 'leases')
  const lockDir = join(dir, 'lock')
  mkdirSync(leasesDir, { recursive: true })

  const tryLock = (): boolean => {
    try {
      mkdirSync(lockDir)
    } catch {
      const owner = Number(readOrEmpty(join(lockDir, 'pid')))
      // A lock without a pid file is being created right now; only a dead owner's lock is stale.
      if (owner > 0 && !isAlive(owner)) rmSync(lockDir, { recursive: true, force: true })
      return false
    }
    writeFileSync(join(lockDir, 'pid'), String(process.pid))
    return true
  }

  return {
    async withLock(timeoutMs, work) {
      const deadline = Date.now() + timeoutMs
      while (!tryLock()) {
        if (Date.now() > deadline) {
          throw new Error(`timed out after ${timeoutMs} ms waiting for the ground lock ${lockDir}`)
        }
        await sleep(150)
      }
      try {
        return await work()
      } finally {
        rmSync(lockDir, { recursive: true, force: true })
      }
    },
    take(pid) {
      writeFileSync(join(leasesDir, String(pid)), '')
    },
    release(pid) {
      rmSync(join(leasesDir, String(pid)), { force: true })
    },
    liveHolders() {
      const live: number[] = []
      for (const name of readdirSync(leasesDir)) {
        const pid = Number(name)
        if (pid > 0 && isAlive(pid)) live.push(pid)
        else rmSync(join(leasesDir, name), { force: true })
      }
      return live
    },
  }
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return ''
  }
}
