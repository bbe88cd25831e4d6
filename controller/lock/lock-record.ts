import { z } from 'zod'
import { RELEASE_PARAMETER_ROOT } from '../../shared/release.ts'

/*
 * The deploy lock of one environment and service: a Parameter Store parameter that exists while a deploy or
 * rollback runs. It lives beside the releases, not under them: `/ecr-deploy-lock/<env>/<service>`. Under
 * `/ecr-deploy/<env>/` every instance role may read, and a name like `web.lock` there would sit in the
 * releases' namespace; a root of its own keeps the CI role's grant an exact name and the instances out of it.
 */

/** The root of the lock parameters: its own, so that no grant on `/ecr-deploy/*` reaches a lock. */
export const LOCK_PARAMETER_ROOT = `${RELEASE_PARAMETER_ROOT}-lock`

export function lockParameterName(environment: string, service: string): string {
  return `${LOCK_PARAMETER_ROOT}/${environment}/${service}`
}

const holderSchema = z.strictObject({
  format: z.literal(1),
  /** Random per acquisition: tells this holder from an earlier one of the same run. */
  token: z.string().regex(/^[0-9a-f-]{8,64}$/),
  actor: z.string().max(100),
  runUrl: z
    .string()
    .max(500)
    .regex(/^https:\/\/[A-Za-z0-9._~:/?#@!$&'()*+,;=%-]+$/)
    .optional(),
  commit: z
    .string()
    .regex(/^[0-9a-f]{7,64}$/)
    .optional(),
  acquiredAt: z.iso.datetime(),
  /**
   * The holder's last renewal (see heartbeat.ts); a lock is stale once this is older than the TTL. A
   * record written before renewals existed has none: its acquiredAt is its last renewal.
   */
  renewedAt: z.iso.datetime().optional(),
  /** Set by a takeover: the token of the stale holder it replaced. */
  takesOver: z
    .string()
    .regex(/^[0-9a-f-]{8,64}$/)
    .optional(),
})

/** Who holds the lock, as the parameter records it. */
export type LockHolder = z.output<typeof holderSchema>

export function lockText(holder: LockHolder): string {
  return JSON.stringify(holder)
}

/** The holder a lock parameter names, or undefined when its value is not one (written by hand, cut short). */
export function parseLockHolder(text: string): LockHolder | undefined {
  try {
    const parsed = holderSchema.safeParse(JSON.parse(text))
    return parsed.success ? parsed.data : undefined
  } catch {
    return undefined
  }
}

/** When the holder last showed it was alive: its last renewal, else when it took the lock. */
export function lastRenewedAt(holder: LockHolder): string {
  return holder.renewedAt ?? holder.acquiredAt
}

/** Whole seconds from `at` to `now`, never negative (the holder's clock may run ahead of ours). */
function secondsSince(at: string, now: number): number {
  return Math.max(0, Math.floor((now - Date.parse(at)) / 1000))
}

/** How long ago, in whole seconds at `now`, the holder last renewed the lock: what the TTL is held against. */
export function silentForSeconds(holder: LockHolder, now: number): number {
  return secondsSince(lastRenewedAt(holder), now)
}

/** One line for a person: who holds it, from which run, since when, and when it last renewed it. */
export function holderText(holder: LockHolder | undefined, now: number): string {
  if (holder === undefined) return 'an unreadable holder (not written by ecr-deploy)'
  const from = holder.runUrl === undefined ? '' : ` (${holder.runUrl})`
  const commit = holder.commit === undefined ? '' : ` at commit ${holder.commit.slice(0, 12)}`
  const held = `for ${secondsSince(holder.acquiredAt, now)} s since ${holder.acquiredAt}`
  const renewed = `last renewed ${silentForSeconds(holder, now)} s ago at ${lastRenewedAt(holder)}`
  return `${JSON.stringify(holder.actor)}${from}${commit}, ${held}, ${renewed}`
}

/**
 * Whether `holder` is `mine`: the same token, or, for a taker, a loser of the same takeover race that
 * overwrote it for a moment (see take-over.ts); that write is ours to renew or delete too.
 */
export function isHeldBy(holder: LockHolder | undefined, mine: LockHolder): boolean {
  if (holder === undefined) return false
  return holder.token === mine.token || (mine.takesOver !== undefined && holder.takesOver === mine.takesOver)
}
