import type {
  CommandRequest,
  CommandState,
  FleetApi,
  FullOutput,
  InvocationPage,
  ParameterVersion,
} from '../../controller/ssm/fleet-api.ts'

/** One call the code under test made, with its arguments as passed. */
export interface FleetCall {
  readonly method: keyof FleetApi
  readonly args: readonly unknown[]
}

/** How a test answers each port method; a method it leaves out fails the call that reaches it. */
export interface FleetAnswers {
  instancesMatching?: FleetApi['instancesMatching']
  sendCommand?: (request: CommandRequest) => Promise<string>
  getCommand?: (commandId: string) => Promise<CommandState | undefined>
  listInvocations?: (commandId: string, nextToken?: string) => Promise<InvocationPage>
  getOutput?: (commandId: string, instanceId: string, stepName: string) => Promise<FullOutput>
  getParameter?: (name: string) => Promise<ParameterVersion | undefined>
  getParameterVersion?: (name: string, version: number) => Promise<ParameterVersion | undefined>
  putParameter?: (name: string, value: string) => Promise<number>
  parameterHistory?: (name: string) => Promise<readonly ParameterVersion[]>
}

/** A hand-written {@link FleetApi}: answers as the test says and records every call in order. */
export interface RecordingFleetApi extends FleetApi {
  readonly calls: readonly FleetCall[]
  /** The calls of one method, oldest first. */
  callsOf(method: keyof FleetApi): readonly FleetCall[]
}

export function recordingFleetApi(answers: FleetAnswers): RecordingFleetApi {
  const calls: FleetCall[] = []
  function call<A extends unknown[], R>(
    method: keyof FleetApi,
    handler: ((...args: A) => Promise<R>) | undefined,
    args: A,
  ): Promise<R> {
    calls.push({ method, args })
    if (handler === undefined)
      return Promise.reject(new Error(`the test gave no answer for FleetApi.${method}`))
    return handler(...args)
  }
  return {
    calls,
    callsOf: (method) => calls.filter((c) => c.method === method),
    instancesMatching: (...args) => call('instancesMatching', answers.instancesMatching, args),
    sendCommand: (...args) => call('sendCommand', answers.sendCommand, args),
    getCommand: (...args) => call('getCommand', answers.getCommand, args),
    listInvocations: (...args) => call('listInvocations', answers.listInvocations, args),
    getOutput: (...args) => call('getOutput', answers.getOutput, args),
    getParameter: (...args) => call('getParameter', answers.getParameter, args),
    getParameterVersion: (...args) => call('getParameterVersion', answers.getParameterVersion, args),
    putParameter: (...args) => call('putParameter', answers.putParameter, args),
    parameterHistory: (...args) => call('parameterHistory', answers.parameterHistory, args),
  }
}

/**
 * Answers successive calls with `answers` in turn and repeats the last one; an Error is thrown instead,
 * as the adapter throws what SSM refused.
 */
export function inTurn<T>(...answers: readonly NoInfer<T | Error>[]): () => Promise<T> {
  let next = 0
  return async () => {
    const value = answers[Math.min(next, answers.length - 1)] as T | Error
    next += 1
    if (value instanceof Error) throw value
    return value
  }
}
