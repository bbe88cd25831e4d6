import { AwsError } from './protocol.ts'
import type { DeliveryFailure } from './ssm/instances.ts'

/** An error a test wants an operation to answer with. */
export interface InjectedError {
  readonly type: string
  readonly status?: number
  readonly message?: string
}

/**
 * Fault controls for tests. Operations are named as on the wire (`SendCommand`, `GetAuthorizationToken`,
 * `AssumeRoleWithWebIdentity`); a fault applies to every service that has an operation of that name.
 * IMDS requests are `ImdsToken`, `ImdsCredentials` and `ImdsMetadata` (an injected error there is just
 * its HTTP status).
 */
export interface FaultControls {
  /** The next `times` calls answer 400 ThrottlingException (retried by the SDK and the CLI). */
  throttle(operation: string, times: number): void
  /** Every answer of the operation is held back by `ms` until cleared. */
  delay(operation: string, ms: number): void
  /** The next `times` calls (default: all until cleared) answer with the given error. */
  fail(operation: string, error: InjectedError, times?: number): void
  /** Takes a simulated instance's agent offline (false) or back online (true). */
  setInstanceOnline(id: string, online: boolean): void
  /**
   * Invocations for this instance end with SSM's status for a command that could not be delivered
   * (Undeliverable, Invalid Platform, Access Denied: Status Failed, nothing runs) until cleared.
   */
  failDelivery(instanceId: string, failure: DeliveryFailure): void
  /** Removes every fault, delivery failures included (instances keep their online state). */
  clear(): void
}

interface Failure {
  readonly error: InjectedError
  remaining: number
}

/** Holds the injected faults and applies them before an operation runs. */
export class Faults implements FaultControls {
  readonly #throttles = new Map<string, number>()
  readonly #delays = new Map<string, number>()
  readonly #failures = new Map<string, Failure>()
  readonly #undelivered = new Set<string>()

  /** Wired to the fake SSM's instances when the server starts. */
  onInstanceOnline: (id: string, online: boolean) => void = () => {
    throw new Error('no SSM instances are wired to these faults')
  }

  /** Wired to the fake SSM's instances when the server starts. */
  onDeliveryFailure: (id: string, failure: DeliveryFailure | undefined) => void = () => {
    throw new Error('no SSM instances are wired to these faults')
  }

  private readonly sleep: (ms: number) => Promise<void>

  constructor(sleep: (ms: number) => Promise<void>) {
    this.sleep = sleep
  }

  setInstanceOnline(id: string, online: boolean): void {
    this.onInstanceOnline(id, online)
  }

  failDelivery(instanceId: string, failure: DeliveryFailure): void {
    this.onDeliveryFailure(instanceId, failure)
    this.#undelivered.add(instanceId)
  }

  throttle(operation: string, times: number): void {
    this.#throttles.set(operation, times)
  }

  delay(operation: string, ms: number): void {
    this.#delays.set(operation, ms)
  }

  fail(operation: string, error: InjectedError, times = Number.POSITIVE_INFINITY): void {
    this.#failures.set(operation, { error, remaining: times })
  }

  clear(): void {
    this.#throttles.clear()
    this.#delays.clear()
    this.#failures.clear()
    for (const id of this.#undelivered) this.onDeliveryFailure(id, undefined)
    this.#undelivered.clear()
  }

  /** Waits for an injected delay, then throws an injected throttle or failure if one is due. */
  async before(operation: string): Promise<void> {
    const delay = this.#delays.get(operation)
    if (delay !== undefined) await this.sleep(delay)
    const throttles = this.#throttles.get(operation) ?? 0
    if (throttles > 0) {
      this.#throttles.set(operation, throttles - 1)
      throw new AwsError('ThrottlingException', 'Rate exceeded')
    }
    const failure = this.#failures.get(operation)
    if (failure !== undefined && failure.remaining > 0) {
      failure.remaining -= 1
      const { type, status, message } = failure.error
      throw new AwsError(type, message ?? `Injected ${type} for ${operation}`, status ?? 400)
    }
  }
}
