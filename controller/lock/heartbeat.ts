import { LockLostError } from '../../shared/errors.ts'
import type { HeldLock, LockDeps } from './acquire.ts'
import { holderText, type LockHolder } from './lock-record.ts'
import { renewLock } from './renew.ts'

/** Renewals are at most this far apart, however long the TTL. */
export const MAX_RENEW_INTERVAL_MS = 300_000

/**
 * A third of the TTL, at most five minutes: a holder misses two renewals in a row (throttling, a network
 * outage) before its lock looks stale.
 */
export function renewIntervalMs(ttlSeconds: number): number {
  return Math.min(Math.floor((ttlSeconds * 1000) / 3), MAX_RENEW_INTERVAL_MS)
}

/** The renewals of one held lock. */
export interface Heartbeat {
  /** Throws LockLostError once a renewal found the lock deleted or held by another run. */
  assertHeld(): void
  /** Stops renewing; resolves once a renewal under way has ended, so that none runs after the release. */
  stop(): Promise<void>
}

/**
 * Renews `lock` every {@link renewIntervalMs}, each beat scheduled when the last has ended so that two
 * never overlap. A renewal that fails (throttled, the network) is a warning and is tried again at the next
 * beat; a lost lock is a warning naming who holds it now, and ends the renewals.
 */
export function startHeartbeat(deps: LockDeps, lock: HeldLock, ttlSeconds: number): Heartbeat {
  const interval = renewIntervalMs(ttlSeconds)
  let mine: LockHolder = lock.holder
  let lost: string | undefined
  let stopped = false
  let running: Promise<void> = Promise.resolve()
  let cancel = () => {}
  const beat = async () => {
    try {
      const renewal = await renewLock(deps.store, lock.name, mine, deps.clock.now())
      if (renewal.kind === 'renewed') {
        mine = renewal.holder
      } else {
        lost =
          renewal.kind === 'released'
            ? 'it was deleted (ecr-deploy lock release)'
            : `taken over by ${holderText(renewal.by, deps.clock.now())}`
        deps.warn(
          `lost the deploy lock ${lock.name} while this run held it: ${lost}; another deploy may run now, so this one sends nothing further to the instances`,
        )
        return
      }
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error)
      deps.warn(
        `could not renew the deploy lock ${lock.name}: ${why}; trying again in ${Math.round(interval / 1000)} s`,
      )
    }
    if (!stopped) schedule()
  }
  const schedule = () => {
    cancel = deps.timer(interval, () => {
      running = beat()
      return running
    })
  }
  schedule()
  return {
    assertHeld: () => {
      if (lost !== undefined) {
        throw new LockLostError(
          `lost the deploy lock ${lock.name}: ${lost}; this run sent nothing further to the instances and wrote nothing more to the release parameter, which is the new holder's now: the release stays rolling until a deploy or rollback marks it`,
        )
      }
    },
    stop: async () => {
      stopped = true
      cancel()
      await running
    },
  }
}
