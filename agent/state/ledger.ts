import type { ReleaseRecord } from '../../shared/agent-contract.ts'

// A release record is also what `status` and `history` report to the controller, so its shape is the
// agent contract's; the ledger owns what it keeps of them and how they change.
export type { DeployResult, ReleaseRecord } from '../../shared/agent-contract.ts'

/** History beyond this many entries is dropped, oldest first; release ids keep increasing anyway. */
export const HISTORY_LIMIT = 50

/**
 * What the agent remembers about one service. `current` is the release that should be running; it
 * changes only once a new release is healthy. `pending` is written before the old container stops,
 * so a crash mid-deploy leaves enough on disk to finish or undo it.
 */
export interface ServiceLedger {
  readonly service: string
  readonly nextSequence: number
  readonly current?: ReleaseRecord
  readonly previous?: ReleaseRecord
  readonly pending?: ReleaseRecord
  /** Oldest first. */
  readonly history: readonly ReleaseRecord[]
}

export function emptyLedger(service: string): ServiceLedger {
  return { service, nextSequence: 1, history: [] }
}

/** The id the next release of this service gets: `r1`, `r2`, ... */
export function nextReleaseId(ledger: ServiceLedger): string {
  return `r${ledger.nextSequence}`
}

/** Records the intent to switch to `release` (result `in-progress`). */
export function beginRelease(ledger: ServiceLedger, release: ReleaseRecord): ServiceLedger {
  return {
    ...ledger,
    nextSequence: ledger.nextSequence + 1,
    pending: release,
    history: capped([...ledger.history, release]),
  }
}

/** The pending release is now the running one; the one it replaced becomes `previous`. */
export function commitRelease(ledger: ServiceLedger, release: ReleaseRecord): ServiceLedger {
  const { pending: _done, ...rest } = ledger
  const replaced = ledger.current && ledger.current.id !== release.id ? ledger.current : ledger.previous
  return {
    ...rest,
    current: release,
    ...(replaced ? { previous: replaced } : {}),
    history: replaceEntry(ledger.history, release),
  }
}

/** The pending release did not take; `current` and `previous` stay as they were. */
export function abandonRelease(ledger: ServiceLedger, release: ReleaseRecord): ServiceLedger {
  const { pending: _done, ...rest } = ledger
  return { ...rest, history: replaceEntry(ledger.history, release) }
}

/** A successful release by id, for `rollback --to`. */
export function findRelease(ledger: ServiceLedger, id: string): ReleaseRecord | undefined {
  return ledger.history.find((entry) => entry.id === id && isSuccessful(entry))
}

export function isSuccessful(release: ReleaseRecord): boolean {
  return release.result === 'deployed' || release.result === 'rolled-back'
}

function replaceEntry(history: readonly ReleaseRecord[], release: ReleaseRecord): readonly ReleaseRecord[] {
  const found = history.some((entry) => entry.id === release.id)
  return capped(
    found ? history.map((entry) => (entry.id === release.id ? release : entry)) : [...history, release],
  )
}

function capped(history: readonly ReleaseRecord[]): readonly ReleaseRecord[] {
  return history.length > HISTORY_LIMIT ? history.slice(history.length - HISTORY_LIMIT) : history
}
