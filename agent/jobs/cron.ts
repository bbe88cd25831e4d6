import { setTimeout as sleep } from 'node:timers/promises'
import { createTask, type ScheduledTask } from 'node-cron'
import { atOffset } from './offset.ts'
import type { JobName, JobSchedules } from './schedules.ts'

/** The running schedule; `stop()` ends the timers (a run in progress finishes on its own). */
export interface ScheduledJobs {
  stop(): Promise<void>
}

export interface ScheduleOptions {
  /** Jobs run at a per-instance share (0 to 1) of their interval after each tick; see offset.ts. */
  readonly offsets?: Partial<Record<JobName, number>>
}

/** Hooks the upkeep jobs to node-cron. The jobs themselves guard against overlap and catch their errors. */
export function scheduleJobs(
  schedules: JobSchedules,
  jobs: Readonly<Record<JobName, () => Promise<void>>>,
  options: ScheduleOptions = {},
): ScheduledJobs {
  const stopped = new AbortController()
  const tasks: ScheduledTask[] = []
  for (const [name, job] of Object.entries(jobs) as [JobName, () => Promise<void>][]) {
    if (schedules[name] === 'off') continue
    const fraction = options.offsets?.[name]
    let run = job
    if (fraction !== undefined) {
      run = atOffset(job, {
        fraction,
        nextTickAt: () => task.getNextRun()?.getTime(),
        now: () => Date.now(),
        sleep: (ms, signal) => sleep(ms, undefined, { signal }),
        signal: stopped.signal,
      })
    }
    const task = createTask(schedules[name], () => run(), { name, noOverlap: true })
    tasks.push(task)
  }
  for (const task of tasks) task.start()
  return {
    async stop() {
      stopped.abort()
      await Promise.all(tasks.map((task) => task.destroy()))
    },
  }
}
