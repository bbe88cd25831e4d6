import type { LockHolder } from './lock-record.ts'
import { lockText } from './lock-record.ts'
import type { LockParameterStore, StoredLock } from './lock-store.ts'

/*
 * Parameter Store has no conditional write or delete, so replacing a stale lock cannot be "delete, then
 * create": two takers that both read the stale holder could each delete the other's new lock. What it does
 * have is a version number per write, counted in order within one parameter's history (a deleted parameter
 * starts again at 1). So a taker overwrites, and wins only if its write came right after the stale version
 * it read, in the same history: version V+1, with version V still holding the stale text. Exactly one
 * write can be V+1. Every loser computes the same rightful holder (V+1, or version 1 when the parameter was
 * deleted and created again meanwhile) and puts it back if its own write is still the newest, so the
 * parameter names who really holds it. A taker calls only PutParameter and GetParameter (the newest and by
 * version), within what the CI role is granted on the lock's name.
 */

/** Replaces the stale lock `stale` with `taker`; true when this taker won. */
export async function takeOver(
  store: LockParameterStore,
  name: string,
  stale: StoredLock,
  taker: LockHolder,
): Promise<boolean> {
  const written = await store.overwrite(name, lockText(taker))
  // The parameter was gone: this write created it, and any later write sees it as the holder.
  if (written === 1) return true
  const before = await store.readVersion(name, stale.version)
  const sameHistory = before?.value === stale.value
  if (sameHistory && written === stale.version + 1) return true
  const rightful = await store.readVersion(name, sameHistory ? stale.version + 1 : 1)
  const newest = await store.read(name)
  if (rightful !== undefined && newest?.version === written) await store.overwrite(name, rightful.value)
  return false
}
