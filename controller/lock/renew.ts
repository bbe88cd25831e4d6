import { isHeldBy, type LockHolder, lockText, parseLockHolder } from './lock-record.ts'
import type { LockParameterStore } from './lock-store.ts'

/*
 * A renewal rewrites the holder with a new renewedAt, so that its lock never looks stale while the deploy
 * lives. It must never overwrite someone else's lock, and Parameter Store has no conditional write, so it
 * reads first and writes only when the newest version is still ours. Between that read (version V) and the
 * write, a taker may have written: it judged version V, or an older one of ours, stale (we missed renewals
 * for a whole TTL: a paused runner, a long outage). Then the version-number rule of take-over.ts decides,
 * the same way for both sides:
 *
 * - Our write is V+1 and version V is still what we read: nothing came between, so any taker writes later
 *   than V+1. Such a taker read at most V and its write is not right after it, so by take-over.ts it loses
 *   (and puts us back if its write is the newest). A taker that read V+1 itself does not judge it stale:
 *   it was just written. We hold the lock.
 * - Otherwise a write came first: version V+1 in the same history, or a new history (the parameter was
 *   deleted, by `lock release`, and maybe created again). The rightful holder is version V+1, or version 1
 *   of the new history: a taker that read V and wrote V+1 wins by take-over.ts, and a deploy that created
 *   the parameter anew holds it. We have lost: if our write is still the newest we put the rightful value
 *   back, as a losing taker does, so that the parameter names who really holds it.
 * - Our write is version 1: the parameter was deleted between the read and the write (`lock release`), and
 *   our write created it again. Someone meant to free it, so the lock counts as lost; the parameter names
 *   this run, so it still keeps others out until this run ends and deletes it as its own.
 *
 * - The write that came first was a loser of this run's own takeover race (the same takesOver, see
 *   take-over.ts): the parameter still names this run's takeover, so we still hold it.
 *
 * One case costs liveness, never safety: a taker whose read-to-write gap spanned one of our renewals wrote
 * V+1 after reading an older version. It loses by its rule, and we lose by ours; the parameter is left
 * naming the taker, which does not hold it, until that record is older than the TTL and is taken over.
 * A renewal calls only PutParameter and GetParameter (newest and by version), as a taker does.
 */

/** What a renewal found: the lock renewed, or lost to a taker (`by`) or to `lock release`. */
export type Renewal =
  | { readonly kind: 'renewed'; readonly holder: LockHolder }
  | { readonly kind: 'taken'; readonly by: LockHolder | undefined }
  | { readonly kind: 'released' }

/** Renews `mine` at `now` (epoch milliseconds) if the lock is still ours. */
export async function renewLock(
  store: LockParameterStore,
  name: string,
  mine: LockHolder,
  now: number,
): Promise<Renewal> {
  const current = await store.read(name)
  if (current === undefined) return { kind: 'released' }
  const holder = parseLockHolder(current.value)
  if (!isHeldBy(holder, mine)) return { kind: 'taken', by: holder }
  const renewed: LockHolder = { ...mine, renewedAt: new Date(now).toISOString() }
  const written = await store.overwrite(name, lockText(renewed))
  if (written === 1) return { kind: 'released' }
  const before = await store.readVersion(name, current.version)
  const sameHistory = before?.value === current.value
  if (sameHistory && written === current.version + 1) return { kind: 'renewed', holder: renewed }
  const rightful = await store.readVersion(name, sameHistory ? current.version + 1 : 1)
  const newest = await store.read(name)
  if (rightful !== undefined && newest?.version === written) await store.overwrite(name, rightful.value)
  if (rightful === undefined) return { kind: 'released' }
  const by = parseLockHolder(rightful.value)
  // A loser of our own takeover race wrote first: the parameter still names this run's takeover.
  return isHeldBy(by, mine) ? { kind: 'renewed', holder: mine } : { kind: 'taken', by }
}
