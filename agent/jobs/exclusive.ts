import type { UpkeepReport } from '../deploy/deployer.js'
import type { JobLog } from './job-log.js'

/** A job as the scheduler runs it: never throws, resolves once the run (or the skip) is over. */
export type Job = () => Promise<void>

/**
 * Wraps an upkeep function so that it never overlaps itself (a slow prune must not start twice) and never
 * throws: a failed run is logged and the next tick tries again.
 */
export function exclusive(name: string, run: () => Promise<UpkeepReport>, log: JobLog): Job {
  let running = false
  return async () => {
    if (running) {
      log.info({ job: name }, `${name}: previous run still going, skipped`)
      return
    }
    running = true
    try {
      const report = await run()
      if (report.actions.length > 0) log.info({ job: name, actions: report.actions }, `${name}: done`)
    } catch (error) {
      log.error(
        { job: name, err: error },
        `${name} failed: ${error instanceof Error ? error.message : String(error)}`,
      )
    } finally {
      running = false
    }
  }
}
