import { BusyError } from '../../shared/errors.ts'
import type { ReleaseOrigin } from '../origin.ts'
import type { WaitClock } from '../ssm/waiter.ts'
import {
  holderText,
  isHeldBy,
  type LockHolder,
  lockParameterName,
  lockText,
  parseLockHolder,
  silentForSeconds,
} from './lock-record.ts'
import type { LockParameterStore, StoredLock } from './lock-store.ts'
import { takeOver } from './take-over.ts'

/** What a deploy asks of the lock. */
export interface LockRequest {
  readonly environment: string
  readonly service: string
  readonly origin: ReleaseOrigin
  /** How long to wait for a holder to finish; 0 fails at once. */
  readonly waitSeconds: number
  /** A holder that has not renewed the lock for this long is taken to have died and may be replaced, with a warning. */
  readonly ttlSeconds: number
}

/**
 * Calls `beat` once after `ms`; the returned function cancels it if it has not fired. The real one is
 * unref'd, so that it never keeps the process alive.
 */
export type LockTimer = (ms: number, beat: () => Promise<void>) => () => void

export interface LockDeps {
  readonly store: LockParameterStore
  readonly clock: WaitClock
  /** Schedules the holder's renewals (heartbeat.ts). */
  readonly timer: LockTimer
  /** A fresh random token per acquisition. */
  readonly newToken: () => string
  readonly warn: (text: string) => void
  /** Told once per poll while another holder keeps the lock. */
  readonly onWaiting?: (text: string) => void
}

/** A lock this process holds; `release` is safe to call more than once and from a signal handler. */
export interface HeldLock {
  readonly name: string
  readonly holder: LockHolder
  release(): Promise<void>
}

/** Polls are about this far apart, spread by jitter from half to one and a half times it. */
export const LOCK_POLL_MS = 5_000

/**
 * Takes the lock of one environment and service: creating the parameter with Overwrite=false is the atomic
 * step, so of two deploys started at once exactly one creates it. The other polls, with jitter so that
 * several waiters do not call in step, until the holder deletes it or `waitSeconds` pass (E_BUSY). A
 * holder that has not renewed it for `ttlSeconds` is replaced through {@link takeOver}, which lets one
 * taker win.
 */
export async function acquireLock(deps: LockDeps, request: LockRequest): Promise<HeldLock> {
  const name = lockParameterName(request.environment, request.service)
  const deadline = deps.clock.now() + request.waitSeconds * 1000
  const holderNow = (takesOver?: string): LockHolder => {
    const at = new Date(deps.clock.now()).toISOString()
    return {
      format: 1,
      token: deps.newToken(),
      ...request.origin,
      acquiredAt: at,
      renewedAt: at,
      ...(takesOver === undefined ? {} : { takesOver }),
    }
  }
  for (;;) {
    const mine = holderNow()
    if (await deps.store.create(name, lockText(mine))) return held(deps, name, mine)
    const current = await deps.store.read(name)
    // Released between the two calls: try again at once.
    if (current === undefined) continue
    const holder = parseLockHolder(current.value)
    const stale = holder !== undefined && silentForSeconds(holder, deps.clock.now()) >= request.ttlSeconds
    if (holder !== undefined && stale) {
      const taker = holderNow(holder.token)
      if (await takeOver(deps.store, name, current, taker)) {
        deps.warn(
          `took over the deploy lock ${name} from ${holderText(holder, deps.clock.now())}: not renewed for --lock-ttl ${request.ttlSeconds} s, so its deploy is taken to have died; check that run`,
        )
        return held(deps, name, taker)
      }
      continue
    }
    const remaining = deadline - deps.clock.now()
    if (remaining <= 0) throw busy(name, current, request, deps.clock.now())
    deps.onWaiting?.(`waiting for the deploy lock ${name}, held by ${holderText(holder, deps.clock.now())}`)
    const jittered = LOCK_POLL_MS * (0.5 + deps.clock.random())
    await deps.clock.sleep(Math.min(remaining, jittered))
  }
}

function busy(name: string, current: StoredLock, request: LockRequest, now: number): BusyError {
  const holder = parseLockHolder(current.value)
  const waited = request.waitSeconds === 0 ? '' : ` after waiting ${request.waitSeconds} s`
  const next =
    holder === undefined
      ? `its value is not a lock ecr-deploy wrote; if nothing deploys ${request.environment}/${request.service}, run ecr-deploy lock release --environment ${request.environment} --service ${request.service}`
      : `wait for that run, pass --lock-wait <seconds> to wait for it, or, if it died, run ecr-deploy lock release --environment ${request.environment} --service ${request.service}`
  return new BusyError(
    `another deploy of ${request.environment}/${request.service} holds the lock ${name}${waited}: ${holderText(holder, now)}; ${next}`,
  )
}

function held(deps: LockDeps, name: string, mine: LockHolder): HeldLock {
  let released: Promise<void> | undefined
  return {
    name,
    holder: mine,
    release: () => {
      released ??= releaseLock(deps, name, mine)
      return released
    },
  }
}

/** Deletes the lock if it is still ours: a deploy that was taken over must not delete its taker's lock. */
async function releaseLock(deps: LockDeps, name: string, mine: LockHolder): Promise<void> {
  const current = await deps.store.read(name)
  if (current === undefined) {
    deps.warn(`the deploy lock ${name} was already gone at the end: someone ran ecr-deploy lock release`)
    return
  }
  const holder = parseLockHolder(current.value)
  if (!isHeldBy(holder, mine)) {
    deps.warn(
      `the deploy lock ${name} is no longer this run's: ${holderText(holder, deps.clock.now())} holds it now; it is left to that holder`,
    )
    return
  }
  await deps.store.remove(name)
}
