import { type Command, Option } from 'commander'
import { UsageError } from '../../shared/errors.ts'

/**
 * A holder older than this is taken to have died. An hour: a deploy holds the lock for at most its
 * --timeout for the new release and again for sending the stable one back (2 x 900 s by default), and a
 * live deploy must never be taken over; a dead one costs at most an hour of waiting, or one
 * `ecr-deploy lock release`.
 */
export const DEFAULT_LOCK_TTL_SECONDS = 3_600

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
        'a lock held longer than this is taken to be left by a dead deploy and is taken over, with a warning',
      ).default(String(DEFAULT_LOCK_TTL_SECONDS)),
    )
}

const SECONDS = /^(?:0|[1-9][0-9]{0,6})$/

/** The two flags, checked against the deploy's own --timeout: a live deploy must outlast the TTL. */
export function parseLockFlags(flags: LockFlags, timeoutSeconds: number): LockTimes {
  if (!SECONDS.test(flags.lockWait)) {
    throw new UsageError(`--lock-wait: "${flags.lockWait}" is not a whole number of seconds (0 to 9999999)`)
  }
  if (!SECONDS.test(flags.lockTtl)) {
    throw new UsageError(`--lock-ttl: "${flags.lockTtl}" is not a whole number of seconds (0 to 9999999)`)
  }
  const ttlSeconds = Number(flags.lockTtl)
  // The deploy waits --timeout for the new release, and as long again to send the stable one back.
  const longest = 2 * timeoutSeconds
  if (ttlSeconds <= longest) {
    throw new UsageError(
      `--lock-ttl: ${ttlSeconds} s is not longer than a deploy with --timeout ${timeoutSeconds} may hold the lock (${longest} s: the rollout, then the rollback): a running deploy could be taken over; give more than ${longest}`,
    )
  }
  return { waitSeconds: Number(flags.lockWait), ttlSeconds }
}
