import type { JsonOperations } from '../server.ts'
import type { CommandState } from './command-state.ts'
import { commandView } from './command-views.ts'
import { Commands, type WithheldRead } from './commands.ts'
import { Documents } from './documents.ts'
import { type DeliveryFailure, type InstanceSpec, Instances } from './instances.ts'
import { Parameters } from './parameters.ts'
import { sendCommand } from './send-command.ts'

/** How the fake SSM behaves beyond what requests say. */
export interface SsmOptions {
  readonly accountId: string
  readonly region: string
  /** Delivery timeout for offline instances; default: the command's TimeoutSeconds. Keep it short in tests. */
  readonly deliveryTimeoutMs?: number
  /**
   * How long after SendCommand an invocation stays unknown to GetCommandInvocation and out of
   * ListCommandInvocations, as in AWS; default {@link DEFAULT_INVOCATION_LAG_MS}, 0 for none.
   */
  readonly invocationLagMs?: number
  readonly now: () => number
  /** A CloudWatch alarm's state, for SendCommand's AlarmConfiguration; undefined when it does not exist. */
  readonly alarmState?: (name: string) => string | undefined
}

/**
 * Long enough that a client polling once a second meets it twice and a quick command has finished before
 * its invocations show (SSM Success, nothing listed yet); short enough not to slow tests much.
 */
export const DEFAULT_INVOCATION_LAG_MS = 2000

/** Test controls of the fake SSM. */
export interface SsmControls {
  /** Registers a simulated managed instance. */
  addInstance(spec: InstanceSpec): void
  /** Connects or disconnects an instance's agent; pending invocations are delivered when it comes back. */
  setOnline(id: string, online: boolean): void
  /** The stored command with this id (status, invocations, plugin output) for assertions. */
  command(id: string): CommandState | undefined
  /** Every command sent so far, newest first, as stored (each plugin's `startedAt` says when it ran). */
  commands(): readonly CommandState[]
  /** Waits until every command sent so far has finished and its invocations are visible. */
  settled(): Promise<void>
  /** The current value of a Parameter Store parameter. */
  parameter(name: string): string | undefined
  /**
   * Sets how long after SendCommand invocations stay invisible to the invocation reads. It applies at
   * read time, to commands already sent too: 0 shows them all at once.
   */
  setInvocationLag(ms: number): void
  /** The reads that met an invocation not visible yet (InvocationDoesNotExist, or left out of a listing). */
  readonly withheld: readonly WithheldRead[]
}

/** SSM's awsJson1_1 operations: documents, Parameter Store, instances and Run Command. */
export function createSsm(options: SsmOptions) {
  const documents = new Documents(options.now)
  const parameters = new Parameters(options.now, options.region, options.accountId)
  const instances = new Instances(options.now)
  const commands = new Commands(options.now, options.invocationLagMs ?? DEFAULT_INVOCATION_LAG_MS)
  const deps = {
    instances,
    region: options.region,
    now: options.now,
    alarmState: options.alarmState ?? (() => undefined),
    deliveryTimeoutMs: (command: CommandState) => options.deliveryTimeoutMs ?? command.timeoutSeconds * 1000,
  }
  const operations: JsonOperations = {
    ...documents.operations,
    ...parameters.operations,
    ...instances.operations,
    ...commands.operations,
    SendCommand: (input) => {
      const command = sendCommand(input, {
        documents,
        instances,
        parameterStore: (name) => parameters.value(name),
        accountId: options.accountId,
        deps,
      })
      commands.add(command)
      return { Command: commandView(command) }
    },
  }
  const controls: SsmControls = {
    addInstance: (spec) => instances.add(spec),
    setOnline: (id, online) => instances.setOnline(id, online),
    command: (id) => commands.get(id),
    commands: () => commands.list(),
    settled: () => commands.settled(),
    parameter: (name) => parameters.value(name),
    setInvocationLag: (ms) => commands.setLag(ms),
    withheld: commands.withheld,
  }
  return {
    operations,
    controls,
    setDeliveryFailure: (id: string, failure: DeliveryFailure | undefined) =>
      instances.setDeliveryFailure(id, failure),
    close: () => commands.cancelAll(),
    finished: () => commands.finished(),
  }
}
