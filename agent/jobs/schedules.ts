import { validate } from 'node-cron'
import { ConfigError } from '../../shared/errors.ts'

export type JobName = 'reconcile' | 'desired-state' | 'prune' | 'token-refresh'

export type JobSchedules = Readonly<Record<JobName, string>>

/**
 * Jobs that call AWS run at a per-instance offset inside their interval (agent/jobs/offset.ts), so that
 * a fleet does not call Parameter Store and ECR in the same second.
 */
export const OFFSET_JOBS: readonly JobName[] = ['desired-state']

/**
 * Defaults: reconcile and desired state often enough that a lost container or a new parameter is acted on
 * within minutes; prune once a day at an odd minute (so a fleet does not hit the disk at :00); tokens well
 * inside the 15-minute renewal margin of the registry auth.
 */
export const DEFAULT_SCHEDULES: JobSchedules = Object.freeze({
  reconcile: '*/5 * * * *',
  'desired-state': '*/2 * * * *',
  prune: '17 3 * * *',
  'token-refresh': '*/10 * * * *',
})

/** `ECR_DEPLOY_AGENT_CRON_PRUNE='0 4 * * *'` overrides one schedule; `off` disables the job. */
export function envVarOf(job: JobName): string {
  return `ECR_DEPLOY_AGENT_CRON_${job.toUpperCase().replace('-', '_')}`
}

/** Reads overrides from the environment; throws ConfigError naming the variable when one is invalid. */
export function schedulesFromEnv(env: Readonly<Record<string, string | undefined>>): JobSchedules {
  const schedules = { ...DEFAULT_SCHEDULES }
  for (const job of Object.keys(DEFAULT_SCHEDULES) as JobName[]) {
    const value = env[envVarOf(job)]?.trim()
    if (value === undefined || value === '') continue
    if (value !== 'off' && !validate(value)) {
      throw new ConfigError(
        `${envVarOf(job)}="${value}" is not a cron expression: expected five fields such as "${DEFAULT_SCHEDULES[job]}" (or six, seconds first), or "off"`,
      )
    }
    schedules[job] = value
  }
  return Object.freeze(schedules)
}
