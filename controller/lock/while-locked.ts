import { onInterrupt } from '../interrupt.ts'
import type { ReleaseOptions } from '../options.ts'
import { acquireLock, type LockDeps, type LockRequest } from './acquire.ts'
import { startHeartbeat } from './heartbeat.ts'
import { type LockFlags, parseLockFlags } from './lock-options.ts'

/** Handed to the work: throws LockLostError once the lock is no longer this run's; call it before each wave. */
export type AssertLockHeld = () => void

/**
 * Runs `work` while holding the deploy lock of its environment and service, renewing it meanwhile (see
 * heartbeat.ts), and releases the lock on every way out: success, failure, and SIGINT/SIGTERM (through the
 * entry point's interrupt cleanups). The renewals stop before the release. A lock that cannot be released
 * is a warning naming `lock release`, never a changed verdict of the deploy itself.
 */
export async function whileLocked<T>(
  deps: LockDeps,
  request: LockRequest,
  work: (assertHeld: AssertLockHeld) => Promise<T>,
): Promise<T> {
  const lock = await acquireLock(deps, request)
  const heartbeat = startHeartbeat(deps, lock, request.ttlSeconds)
  const release = () =>
    heartbeat
      .stop()
      .then(() => lock.release())
      .catch((error: unknown) => {
        deps.warn(
          `could not release the deploy lock ${lock.name}: ${error instanceof Error ? error.message : String(error)}; run ecr-deploy lock release --environment ${request.environment} --service ${request.service}`,
        )
      })
  const unregister = onInterrupt(release)
  try {
    return await work(heartbeat.assertHeld)
  } finally {
    unregister()
    await release()
  }
}

/** The deploy and rollback commands' way in: their --lock-wait and --lock-ttl, the real lock, `work` inside. */
export async function runLocked<T>(
  options: ReleaseOptions,
  flags: LockFlags,
  work: (assertHeld: AssertLockHeld) => Promise<T>,
): Promise<T> {
  const times = parseLockFlags(flags)
  const { lockDeps } = await import('./lock-deps.ts')
  return whileLocked(await lockDeps(options.region), { ...options, ...times }, work)
}
