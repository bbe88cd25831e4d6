/**
 * The one Parameter Store parameter a lock is, in our words. The SDK implementation is
 * ../ssm/sdk-lock-parameter.ts; its calls are exactly the three the CI role is granted on the lock's name:
 * PutParameter (create with Overwrite=false, or overwrite), GetParameter (newest or `name:version`) and
 * DeleteParameter.
 */
export interface LockParameterStore {
  /** Creates the parameter only when it does not exist (Overwrite=false); false when it does. */
  create(name: string, value: string): Promise<boolean>
  /** Writes a new version whatever is there (Overwrite=true) and returns its number: a takeover or a renewal. */
  overwrite(name: string, value: string): Promise<number>
  /** The newest version; undefined when the parameter does not exist. */
  read(name: string): Promise<StoredLock | undefined>
  /** One version; undefined when it (or the parameter) does not exist. */
  readVersion(name: string, version: number): Promise<StoredLock | undefined>
  /** Deletes the parameter with its history; false when it did not exist. */
  remove(name: string): Promise<boolean>
}

export interface StoredLock {
  readonly value: string
  readonly version: number
}
