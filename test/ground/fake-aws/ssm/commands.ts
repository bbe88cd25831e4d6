import { maxResults, paginate } from '../pagination.ts'
import { AwsError, type JsonInput, optionalString, requiredString } from '../protocol.ts'
import type { JsonOperations } from '../server.ts'
import type { CommandState } from './command-state.ts'
import { commandView, getInvocationView, invocationView } from './command-views.ts'

interface CommandFilter {
  key?: string
  value?: string
}

/** Run Command's read side (List*, GetCommandInvocation) and CancelCommand over the stored commands. */
export class Commands {
  readonly #commands: CommandState[] = []

  add(command: CommandState): void {
    this.#commands.unshift(command)
  }

  get(id: string): CommandState | undefined {
    return this.#commands.find((command) => command.id === id)
  }

  /** Settles once every command sent so far has finished. */
  async settled(): Promise<void> {
    await Promise.all(this.#commands.map((command) => command.done))
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
        .filter((command) => command.dispatched && matches(command, commandFilters))
        .flatMap((command) =>
          command.invocations
            .filter((invocation) => instanceId === undefined || invocation.instanceId === instanceId)
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
      if (command === undefined || invocation === undefined || !command.dispatched) {
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
