import { InterruptedError } from '../shared/errors.ts'

/*
 * What must happen before the process ends on SIGINT or SIGTERM (a cancelled workflow, Ctrl-C): today,
 * releasing the deploy lock. The entry points (cli.ts, the Action's main.ts) catch the signal, run these,
 * then exit with E_INTERRUPTED's code; the use cases only register what they hold.
 */

const cleanups = new Set<() => Promise<void>>()

/** Runs `cleanup` if the process is interrupted while it is registered; returns the unregistering call. */
export function onInterrupt(cleanup: () => Promise<void>): () => void {
  cleanups.add(cleanup)
  return () => {
    cleanups.delete(cleanup)
  }
}

/** Runs every registered cleanup once, whatever each one throws; returns what they threw. */
export async function runInterruptCleanups(): Promise<readonly unknown[]> {
  const running = [...cleanups]
  cleanups.clear()
  const results = await Promise.allSettled(running.map((cleanup) => cleanup()))
  return results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []))
}

/**
 * For an entry point: on SIGINT or SIGTERM, run the cleanups, then exit with what `stopped` returns for the
 * InterruptedError it is handed (it prints it its own way). A second signal while they run is ignored;
 * SIGKILL cannot be caught, and leaves the lock to its TTL.
 */
export function exitOnInterrupt(
  stopped: (error: InterruptedError, failures: readonly unknown[]) => number,
): void {
  let stopping = false
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return
      stopping = true
      void runInterruptCleanups().then((failures) => {
        process.exit(stopped(new InterruptedError(`stopped by ${signal}`), failures))
      })
    })
  }
}
