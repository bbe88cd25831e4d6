import { maxResults, paginate } from '../pagination.ts'
import { AwsError, type JsonInput, optionalString, requiredString } from '../protocol.ts'
import type { JsonOperations } from '../server.ts'
import type { CommandState } from './command-state.ts'
import { commandView, getInvocationView, invocationView } from './command-views.ts'

interface CommandFilter {
  key?: string
  value?: string
}

/** A read that left an invocation out because it was not visible yet. */
export interface WithheldRead {
  readonly operation: 'GetCommandInvocation' | 'ListCommandInvocations'
  readonly commandId: string
  readonly instanceId: string
}

/**
 * Run Command's read side (List*, GetCommandInvocation) and CancelCommand over the stored commands.
 * Invocations become visible to the invocation reads `lagMs` after SendCommand (see the README).
 */
export class Commands {
  readonly #commands: CommandState[] = []
  readonly #now: () => number
  #lagMs: number
  /** Every read that met an invocation not visible yet, oldest first. */
  readonly withheld: WithheldRead[] = []

  constructor(now: () => number, lagMs: number) {
    this.#now = now
    this.#lagMs = lagMs
  }

  add(command: CommandState): void {
    this.#commands.unshift(command)
  }

  /** Every command sent so far, newest first. */
  list(): readonly CommandState[] {
    return this.#commands
  }

  get(id: string): CommandState | undefined {
    return this.#commands.find((command) => command.id === id)
  }

  /** Sets the window; it applies at read time, so 0 shows every invocation at once. */
  setLag(ms: number): void {
    this.#lagMs = ms
  }

  /** Settles once every command sent so far has finished and its invocations are visible. */
  async settled(): Promise<void> {
    await this.finished()
    for (;;) {
      const hiddenFor = Math.max(0, ...this.#commands.map((c) => c.requestedAt + this.#lagMs - this.#now()))
      if (hiddenFor === 0) return
      await new Promise((resolve) => setTimeout(resolve, hiddenFor))
    }
  }

  /** Settles once every command sent so far has finished running, visible or not (used on close). */
  async finished(): Promise<void> {
    await Promise.all(this.#commands.map((command) => command.done))
  }

  #visible(command: CommandState): boolean {
    return this.#now() >= command.requestedAt + this.#lagMs
  }

  /** Stops everything still running (used on close). */
  cancelAll(): void {
    for (const command of this.#commands) command.abort.abort()
  }

  readonly operations: JsonOperations = {
    ListCommands: (input) => {
      const commands = this.#select(input).filter((command) =>
        matches(command, input.Filters as CommandFilter[] | undefined),
      )
      const page = paginate(commands, maxResults(input, 1, 50), optionalString(input, 'NextToken'), 50)
      return {
        Commands: page.items.map(commandView),
        ...(page.nextToken === undefined ? {} : { NextToken: page.nextToken }),
      }
    },
    ListCommandInvocations: (input) => {
      const size = maxResults(input, 1, 50)
      const instanceId = optionalString(input, 'InstanceId')
      const filters = (input.Filters as CommandFilter[] | undefined) ?? []
      // A Status filter here means the invocation's status; the other keys are about the command.
      const commandFilters = filters.filter((f) => f.key !== 'Status')
      const status = filters.find((f) => f.key === 'Status')?.value
      const rows = this.#select(input)
        .filter((command) => matches(command, commandFilters))
        .flatMap((command) =>
          command.invocations
            .filter((invocation) => instanceId === undefined || invocation.instanceId === instanceId)
            .filter((invocation) => this.#seen('ListCommandInvocations', command, invocation.instanceId))
            .filter((invocation) => status === undefined || invocation.status === status)
            .map((invocation) => invocationView(command, invocation, input.Details === true)),
        )
      const page = paginate(rows, size, optionalString(input, 'NextToken'), 50)
      return {
        CommandInvocations: page.items,
        ...(page.nextToken === undefined ? {} : { NextToken: page.nextToken }),
      }
    },
    GetCommandInvocation: (input) => {
      const command = this.get(requiredString(input, 'CommandId'))
      const instanceId = requiredString(input, 'InstanceId')
      const invocation = command?.invocations.find((i) => i.instanceId === instanceId)
      if (
        command === undefined ||
        invocation === undefined ||
        !this.#seen('GetCommandInvocation', command, instanceId)
      ) {
        throw new AwsError(
          'InvocationDoesNotExist',
          'An invocation does not exist for the given command and instance.',
        )
      }
      const pluginName = optionalString(input, 'PluginName')
      const plugin =
        pluginName === undefined
          ? invocation.plugins.length === 1
            ? invocation.plugins[0]
            : undefined
          : invocation.plugins.find((p) => p.name === pluginName)
      if (plugin === undefined) {
        throw new AwsError(
          'InvalidPluginName',
          `Plugin name ${pluginName ?? '(none)'} is not valid for this document.`,
        )
      }
      return getInvocationView(command, invocation, plugin)
    },
    CancelCommand: (input) => {
      const command = this.get(requiredString(input, 'CommandId'))
      if (command === undefined) throw new AwsError('InvalidCommandId', 'The command ID is not valid.')
      command.abort.abort()
      return {}
    },
  }

  /** Whether a read may show this invocation; one that may not yet is recorded as withheld. */
  #seen(operation: WithheldRead['operation'], command: CommandState, instanceId: string): boolean {
    if (this.#visible(command)) return true
    this.withheld.push({ operation, commandId: command.id, instanceId })
    return false
  }

  #select(input: JsonInput): CommandState[] {
    const commandId = optionalString(input, 'CommandId')
    const instanceId = optionalString(input, 'InstanceId')
    if (commandId !== undefined && this.get(commandId) === undefined) {
      throw new AwsError('InvalidCommandId', `Command ${commandId} does not exist.`)
    }
    return this.#commands.filter(
      (command) =>
        (commandId === undefined || command.id === commandId) &&
        (instanceId === undefined || command.invocations.some((i) => i.instanceId === instanceId)),
    )
  }
}

function matches(command: CommandState, filters: CommandFilter[] | undefined): boolean {
  return (filters ?? []).every(({ key, value = '' }) => {
    if (key === 'Status') return command.status === value
    if (key === 'DocumentName') return command.documentName === value
    if (key === 'InvokedAfter') return command.requestedAt >= Date.parse(value)
    if (key === 'InvokedBefore') return command.requestedAt <= Date.parse(value)
    if (key === 'ExecutionStage') {
      const complete = !['Pending', 'InProgress', 'Cancelling'].includes(command.status)
      return value === (complete ? 'Complete' : 'Executing')
    }
    throw new AwsError('InvalidFilterKey', `Filter key ${key ?? ''} is not valid.`)
  })
}
