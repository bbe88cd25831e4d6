import type { UpkeepReport } from '../deploy/deployer.ts'
import type { JobLog } from './job-log.ts'

/** A job as the scheduler runs it: never throws, resolves once the run (or the skip) is over. */
export interface Job {
  (): Promise<void>
  /** Resolves when no run is in progress; shutdown waits on it so a job cannot start a deploy and be cut. */
  settled(): Promise<void>
}

/**
 * Wraps an upkeep function so that it never overlaps itself (a slow prune must not start twice) and never
 * throws: a failed run is logged and the next tick tries again.
 */
export function exclusive(name: string, run: () => Promise<UpkeepReport>, log: JobLog): Job {
  let current: Promise<void> | undefined
  const once = async (): Promise<void> => {
    try {
      const report = await run()
      if (report.actions.length > 0) log.info({ job: name, actions: report.actions }, `${name}: done`)
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      log.error({ job: name, err: error }, `${name} failed: ${reason}`)
    } finally {
      current = undefined
    }
  }
  const job = async (): Promise<void> => {
    if (current) {
      log.info({ job: name }, `${name}: previous run still going, skipped`)
      return
    }
    current = once()
    await current
  }
  return Object.assign(job, { settled: async () => current })
}
