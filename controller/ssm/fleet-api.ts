/**
 * What the controller needs from SSM, in our words. The one implementation over the SDK is
 * sdk-fleet-api.ts, tested against the fake SSM; tests of its users take a recording fake of this port.
 */

export interface CommandRequest {
  readonly documentName: string
  readonly parameters: Readonly<Record<string, readonly string[]>>
  readonly targets?: readonly { readonly key: string; readonly values: readonly string[] }[]
  readonly instanceIds?: readonly string[]
  readonly maxConcurrency: string
  readonly maxErrors: string
  readonly timeoutSeconds: number
  readonly comment?: string
  /** SendCommand's AlarmConfiguration: SSM stops the command when this CloudWatch alarm is in ALARM. */
  readonly alarm?: string
}

export type CommandStatus =
  | 'Pending'
  | 'InProgress'
  | 'Success'
  | 'Cancelled'
  | 'Failed'
  | 'TimedOut'
  | 'Cancelling'

export interface CommandState {
  readonly commandId: string
  readonly status: CommandStatus
  readonly targetCount: number
  readonly completedCount: number
  /** The alarms SSM saw in ALARM (ListCommands' TriggeredAlarms): it stopped the command for them. */
  readonly triggeredAlarms?: readonly string[]
}

export interface Invocation {
  readonly instanceId: string
  /** Pending, InProgress, Delayed, Success, Cancelled, TimedOut, Failed, Cancelling. */
  readonly status: string
  /** Free text such as "Undeliverable" or "Delivery Timed Out". */
  readonly statusDetails: string
  readonly responseCode?: number
  readonly startedAt?: Date
  readonly finishedAt?: Date
  /** The step's output as ListCommandInvocations gives it: at most 2,500 characters. */
  readonly output: string
}

export interface InvocationPage {
  readonly invocations: readonly Invocation[]
  readonly nextToken?: string
}

export interface FullOutput {
  readonly stdout: string
  readonly stderr: string
}

export interface ParameterVersion {
  readonly value: string
  readonly version: number
}

export interface FleetApi {
  /**
   * The managed instances SSM Targets would select (DescribeInstanceInformation with the same tag filters),
   * so that a rollout can send its waves to explicit ids.
   */
  instancesMatching(
    targets: readonly { readonly key: string; readonly values: readonly string[] }[],
  ): Promise<readonly string[]>
  sendCommand(request: CommandRequest): Promise<string>
  getCommand(commandId: string): Promise<CommandState | undefined>
  listInvocations(commandId: string, nextToken?: string): Promise<InvocationPage>
  getOutput(commandId: string, instanceId: string, stepName: string): Promise<FullOutput>
  /** The newest version of a parameter; undefined when there is none. */
  getParameter(name: string): Promise<ParameterVersion | undefined>
  /** One version (`GetParameter` with the selector `name:version`); undefined when it does not exist. */
  getParameterVersion(name: string, version: number): Promise<ParameterVersion | undefined>
  putParameter(name: string, value: string): Promise<number>
  /** Every version Parameter Store still keeps (it drops the oldest beyond 100), oldest first. */
  parameterHistory(name: string): Promise<readonly ParameterVersion[]>
}
