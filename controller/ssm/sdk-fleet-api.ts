import {
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  GetParameterCommand,
  GetParameterHistoryCommand,
  ListCommandInvocationsCommand,
  ListCommandsCommand,
  PutParameterCommand,
  SendCommandCommand,
  SSMClient,
} from '@aws-sdk/client-ssm'
import { awsFailure } from '../aws-errors.ts'
import type {
  CommandRequest,
  CommandState,
  CommandStatus,
  FleetApi,
  FullOutput,
  InvocationPage,
  ParameterVersion,
} from './fleet-api.ts'

/** The one place that speaks to SSM through the SDK; its types stay here. */
export class SdkFleetApi implements FleetApi {
  readonly #client: SSMClient

  constructor(client: SSMClient) {
    this.#client = client
  }

  static forRegion(region: string): SdkFleetApi {
    return new SdkFleetApi(new SSMClient({ region }))
  }

  async instancesMatching(
    targets: readonly { readonly key: string; readonly values: readonly string[] }[],
  ): Promise<readonly string[]> {
    const ids: string[] = []
    let token: string | undefined
    do {
      const output = await this.#client
        .send(
          new DescribeInstanceInformationCommand({
            Filters: targets.map((t) => ({ Key: t.key, Values: [...t.values] })),
            MaxResults: 50,
            ...(token ? { NextToken: token } : {}),
          }),
        )
        .catch((error: unknown) => {
          throw awsFailure('DescribeInstanceInformation', error, targets.map((t) => t.key).join(', '))
        })
      for (const instance of output.InstanceInformationList ?? []) {
        if (instance.InstanceId) ids.push(instance.InstanceId)
      }
      token = output.NextToken
    } while (token)
    return ids
  }

  async sendCommand(request: CommandRequest): Promise<string> {
    const output = await this.#client
      .send(
        new SendCommandCommand({
          DocumentName: request.documentName,
          Parameters: Object.fromEntries(Object.entries(request.parameters).map(([k, v]) => [k, [...v]])),
          ...(request.targets
            ? { Targets: request.targets.map((t) => ({ Key: t.key, Values: [...t.values] })) }
            : {}),
          ...(request.instanceIds ? { InstanceIds: [...request.instanceIds] } : {}),
          MaxConcurrency: request.maxConcurrency,
          MaxErrors: request.maxErrors,
          TimeoutSeconds: request.timeoutSeconds,
          ...(request.comment === undefined ? {} : { Comment: request.comment }),
          ...(request.alarm === undefined
            ? {}
            : { AlarmConfiguration: { Alarms: [{ Name: request.alarm }], IgnorePollAlarmFailure: false } }),
        }),
      )
      .catch((error: unknown) => {
        throw awsFailure('SendCommand', error, `document ${request.documentName}`)
      })
    const id = output.Command?.CommandId
    if (!id) throw awsFailure('SendCommand', new Error('SSM returned no command id'))
    return id
  }

  async getCommand(commandId: string): Promise<CommandState | undefined> {
    const output = await this.#client
      .send(new ListCommandsCommand({ CommandId: commandId }))
      .catch((error: unknown) => {
        // Right after SendCommand the id may not be known yet.
        if (error instanceof Error && error.name === 'InvalidCommandId') return { Commands: [] }
        throw awsFailure('ListCommands', error, commandId)
      })
    const command = output.Commands?.[0]
    if (!command) return undefined
    const triggered = (command.TriggeredAlarms ?? [])
      .filter((alarm) => alarm.State === 'ALARM' && alarm.Name !== undefined)
      .map((alarm) => alarm.Name as string)
    return {
      commandId,
      status: (command.Status ?? 'Pending') as CommandStatus,
      targetCount: command.TargetCount ?? 0,
      completedCount: command.CompletedCount ?? 0,
      ...(triggered.length === 0 ? {} : { triggeredAlarms: triggered }),
    }
  }

  async listInvocations(commandId: string, nextToken?: string): Promise<InvocationPage> {
    const output = await this.#client
      .send(
        new ListCommandInvocationsCommand({
          CommandId: commandId,
          Details: true,
          MaxResults: 50,
          ...(nextToken === undefined ? {} : { NextToken: nextToken }),
        }),
      )
      .catch((error: unknown) => {
        if (error instanceof Error && error.name === 'InvalidCommandId')
          return { CommandInvocations: [], NextToken: undefined }
        throw awsFailure('ListCommandInvocations', error, commandId)
      })
    return {
      invocations: (output.CommandInvocations ?? []).map((invocation) => {
        const plugin = invocation.CommandPlugins?.[0]
        return {
          instanceId: invocation.InstanceId ?? '',
          status: invocation.Status ?? 'Pending',
          statusDetails: invocation.StatusDetails ?? '',
          ...(plugin?.ResponseCode === undefined ? {} : { responseCode: plugin.ResponseCode }),
          ...(plugin?.ResponseStartDateTime ? { startedAt: plugin.ResponseStartDateTime } : {}),
          ...(plugin?.ResponseFinishDateTime ? { finishedAt: plugin.ResponseFinishDateTime } : {}),
          output: plugin?.Output ?? '',
        }
      }),
      ...(output.NextToken ? { nextToken: output.NextToken } : {}),
    }
  }

  async getOutput(commandId: string, instanceId: string, stepName: string): Promise<FullOutput> {
    const output = await this.#client
      .send(
        new GetCommandInvocationCommand({
          CommandId: commandId,
          InstanceId: instanceId,
          PluginName: stepName,
        }),
      )
      .catch((error: unknown) => {
        throw awsFailure('GetCommandInvocation', error, instanceId)
      })
    return { stdout: output.StandardOutputContent ?? '', stderr: output.StandardErrorContent ?? '' }
  }

  async getParameter(name: string): Promise<ParameterVersion | undefined> {
    const output = await this.#client
      .send(new GetParameterCommand({ Name: name }))
      .catch((error: unknown) => {
        if (error instanceof Error && error.name === 'ParameterNotFound') return undefined
        throw awsFailure('GetParameter', error, name)
      })
    const parameter = output?.Parameter
    return parameter?.Value === undefined
      ? undefined
      : { value: parameter.Value, version: parameter.Version ?? 0 }
  }

  async getParameterVersion(name: string, version: number): Promise<ParameterVersion | undefined> {
    const selector = `${name}:${version}`
    const output = await this.#client
      .send(new GetParameterCommand({ Name: selector }))
      .catch((error: unknown) => {
        if (error instanceof Error && ['ParameterNotFound', 'ParameterVersionNotFound'].includes(error.name))
          return undefined
        throw awsFailure('GetParameter', error, selector)
      })
    const parameter = output?.Parameter
    return parameter?.Value === undefined
      ? undefined
      : { value: parameter.Value, version: parameter.Version ?? version }
  }

  async putParameter(name: string, value: string): Promise<number> {
    const output = await this.#client
      .send(new PutParameterCommand({ Name: name, Value: value, Type: 'String', Overwrite: true }))
      .catch((error: unknown) => {
        throw awsFailure('PutParameter', error, name)
      })
    return output.Version ?? 0
  }

  async parameterHistory(name: string): Promise<readonly ParameterVersion[]> {
    const versions: ParameterVersion[] = []
    let token: string | undefined
    do {
      const output = await this.#client
        .send(
          new GetParameterHistoryCommand({
            Name: name,
            MaxResults: 50,
            ...(token ? { NextToken: token } : {}),
          }),
        )
        .catch((error: unknown) => {
          if (error instanceof Error && error.name === 'ParameterNotFound')
            return { Parameters: [], NextToken: undefined }
          throw awsFailure('GetParameterHistory', error, name)
        })
      for (const p of output.Parameters ?? []) {
        if (p.Value !== undefined) versions.push({ value: p.Value, version: p.Version ?? 0 })
      }
      token = output.NextToken
    } while (token)
    return versions
  }
}
