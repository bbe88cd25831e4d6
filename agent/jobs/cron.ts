import { schedule } from 'node-cron'
import type { JobName, JobSchedules } from './schedules.ts'

/** The running schedule; `stop()` ends the timers (a run in progress finishes on its own). */
export interface ScheduledJobs {
  stop(): Promise<void>
}

/** Hooks the upkeep jobs to node-cron. The jobs themselves guard against overlap and catch their errors. */
export function scheduleJobs(
  schedules: JobSchedules,
  jobs: Readonly<Record<JobName, () => Promise<void>>>,
): ScheduledJobs {
  const tasks = Object.entries(jobs)
    .filter(([name]) => schedules[name as JobName] !== 'off')
    .map(([name, job]) => schedule(schedules[name as JobName], () => job(), { name, noOverlap: true }))
  return {
    async stop() {
      await Promise.all(tasks.map((task) => task.destroy()))
    },
  }
}
