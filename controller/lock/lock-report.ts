import { holderText, lockParameterName, parseLockHolder } from './lock-record.ts'
import type { LockParameterStore } from './lock-store.ts'

/** `ecr-deploy lock status`: who holds the lock of one environment and service, if anyone. */
export async function lockStatusText(
  store: LockParameterStore,
  environment: string,
  service: string,
  now: number,
): Promise<string> {
  const name = lockParameterName(environment, service)
  const current = await store.read(name)
  if (current === undefined) return `the deploy lock ${name} is free`
  return `the deploy lock ${name} is held by ${holderText(parseLockHolder(current.value), now)}`
}

/**
 * `ecr-deploy lock release`: deletes the lock whoever holds it, for a deploy that died without releasing
 * it (SIGKILL, a lost runner). A deploy still running is not stopped by this; it goes on without the lock.
 */
export async function releaseLockText(
  store: LockParameterStore,
  environment: string,
  service: string,
  now: number,
): Promise<string> {
  const name = lockParameterName(environment, service)
  const current = await store.read(name)
  if (current === undefined || !(await store.remove(name))) return `the deploy lock ${name} was not held`
  return `released the deploy lock ${name}, held by ${holderText(parseLockHolder(current.value), now)}`
}
