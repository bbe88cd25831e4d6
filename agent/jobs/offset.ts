/*
 * A fleet whose agents all run a job at second 0 of the same minute calls Parameter Store and ECR in the
 * same second (GetAuthorizationToken allows 20 requests/s, Parameter Store 40/s shared by the account).
 * Each agent instead waits a per-instance share of the interval after each tick: a fraction drawn once
 * per daemon run, so one instance keeps its place in the interval and a fleet spreads evenly across it.
 */

/** The wait after a tick: `fraction` (0 to 1) of the time until the next tick; 0 when there is none. */
export function offsetDelayMs(fraction: number, now: number, nextTickAt: number | undefined): number {
  if (nextTickAt === undefined || nextTickAt <= now) return 0
  return Math.floor(Math.min(Math.max(fraction, 0), 0.999) * (nextTickAt - now))
}

export interface OffsetDeps {
  /** This instance's fraction of the interval, drawn once (Math.random() on an instance). */
  readonly fraction: number
  /** When the job's schedule fires next, in epoch ms; undefined when it never does. */
  readonly nextTickAt: () => number | undefined
  readonly now: () => number
  /** Resolves after `ms`, or rejects once `signal` aborts. */
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>
  /** Aborted when the schedule stops: a tick still waiting for its offset then does not run the job. */
  readonly signal: AbortSignal
}

/** The job, run at this instance's offset after each tick. */
export function atOffset(job: () => Promise<void>, deps: OffsetDeps): () => Promise<void> {
  return async () => {
    const delay = offsetDelayMs(deps.fraction, deps.now(), deps.nextTickAt())
    try {
      await deps.sleep(delay, deps.signal)
    } catch {
      return
    }
    if (deps.signal.aborted) return
    await job()
  }
}
