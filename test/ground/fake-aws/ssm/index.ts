import type { JsonOperations } from '../server.ts'
import type { CommandState } from './command-state.ts'
import { commandView } from './command-views.ts'
import { Commands } from './commands.ts'
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
  readonly now: () => number
}

/** Test controls of the fake SSM. */
export interface SsmControls {
  /** Registers a simulated managed instance. */
  addInstance(spec: InstanceSpec): void
  /** Connects or disconnects an instance's agent; pending invocations are delivered when it comes back. */
  setOnline(id: string, online: boolean): void
  /** The stored command with this id (status, invocations, plugin output) for assertions. */
  command(id: string): CommandState | undefined
  /** Waits until every command sent so far has finished. */
  settled(): Promise<void>
  /** The current value of a Parameter Store parameter. */
  parameter(name: string): string | undefined
  /**
   * Holds back the invocations of commands sent from now on, as SSM's eventual consistency does right
   * after SendCommand: they are unknown to GetCommandInvocation and missing from ListCommandInvocations
   * until the returned function is called.
   */
  holdDispatch(): () => void
}

/** SSM's awsJson1_1 operations: documents, Parameter Store, instances and Run Command. */
export function createSsm(options: SsmOptions) {
  const documents = new Documents(options.now)
  const parameters = new Parameters(options.now, options.region, options.accountId)
  const instances = new Instances(options.now)
  const commands = new Commands()
  let held: Promise<void> | undefined
  let releaseHeld = (): void => undefined
  const deps = {
    instances,
    region: options.region,
    now: options.now,
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
        dispatch: () => held ?? new Promise<void>((resolve) => setImmediate(resolve)),
      })
      commands.add(command)
      return { Command: commandView(command) }
    },
  }
  const controls: SsmControls = {
    addInstance: (spec) => instances.add(spec),
    setOnline: (id, online) => instances.setOnline(id, online),
    command: (id) => commands.get(id),
    settled: () => commands.settled(),
    parameter: (name) => parameters.value(name),
    holdDispatch: () => {
      const previous = releaseHeld
      held = new Promise<void>((resolve) => {
        releaseHeld = () => {
          held = undefined
          previous()
          resolve()
        }
      })
      return () => releaseHeld()
    },
  }
  return {
    operations,
    controls,
    setDeliveryFailure: (id: string, failure: DeliveryFailure | undefined) =>
      instances.setDeliveryFailure(id, failure),
    close: () => {
      releaseHeld()
      commands.cancelAll()
    },
    settled: () => commands.settled(),
  }
}
