import { type Command, Option } from 'commander'
import { UsageError } from '../../shared/errors.ts'

/**
 * A holder that has not renewed its lock for this long is taken to have died. A live deploy renews it
 * every five minutes at the default (heartbeat.ts), however long its waves, bakes and pulls run; an hour leaves room for a
 * long outage of Parameter Store, and a dead deploy costs at most an hour of waiting, or one
 * `ecr-deploy lock release`.
 */
export const DEFAULT_LOCK_TTL_SECONDS = 3_600

/**
 * The shortest TTL: renewals every TTL/3 must be at least 5 s apart, so that one renewal (two or three
 * Parameter Store calls, each retried by the SDK when throttled) ends before the next is due, and a holder
 * may still miss two of them before it looks stale.
 */
export const MIN_LOCK_TTL_SECONDS = 15

export interface LockFlags {
  readonly lockWait: string
  readonly lockTtl: string
}

export interface LockTimes {
  readonly waitSeconds: number
  readonly ttlSeconds: number
}

/** Adds --lock-wait and --lock-ttl to a command that writes a release. */
export function withLockFlags(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--lock-wait <seconds>',
        'how long to wait for another deploy of the same environment and service to finish',
      ).default('0'),
    )
    .addOption(
      new Option(
        '--lock-ttl <seconds>',
        'a lock its holder has not renewed for this long is taken to be left by a dead deploy and is taken over, with a warning',
      ).default(String(DEFAULT_LOCK_TTL_SECONDS)),
    )
}

const SECONDS = /^(?:0|[1-9][0-9]{0,6})$/

/**
 * The two flags. The TTL need not outlast the deploy, which renews its lock while it runs; it must only
 * leave room for a few renewals.
 */
export function parseLockFlags(flags: LockFlags): LockTimes {
  if (!SECONDS.test(flags.lockWait)) {
    throw new UsageError(`--lock-wait: "${flags.lockWait}" is not a whole number of seconds (0 to 9999999)`)
  }
  if (!SECONDS.test(flags.lockTtl)) {
    throw new UsageError(`--lock-ttl: "${flags.lockTtl}" is not a whole number of seconds (0 to 9999999)`)
  }
  const ttlSeconds = Number(flags.lockTtl)
  if (ttlSeconds < MIN_LOCK_TTL_SECONDS) {
    throw new UsageError(
      `--lock-ttl: ${ttlSeconds} s is too short for a running deploy to renew its lock (every third of the TTL, at least 5 s apart): give ${MIN_LOCK_TTL_SECONDS} or more`,
    )
  }
  return { waitSeconds: Number(flags.lockWait), ttlSeconds }
}
