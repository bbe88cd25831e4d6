import type { ServiceLedger } from './ledger.ts'

/** Where service ledgers live between agent runs. */
export interface StateStore {
  /** The service's ledger; an empty one when nothing was recorded yet. */
  read(service: string): Promise<ServiceLedger>
  /** Replaces the ledger atomically: a crash leaves either the old or the new one, never a torn file. */
  write(ledger: ServiceLedger): Promise<void>
  /** Services that have a ledger. */
  services(): Promise<readonly string[]>
}
