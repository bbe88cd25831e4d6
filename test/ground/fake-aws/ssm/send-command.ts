import { randomUUID } from 'node:crypto'
import {
  AwsError,
  type JsonInput,
  optionalNumber,
  optionalString,
  optionalStringList,
  requiredString,
  validation,
} from '../protocol.ts'
import type { CommandState, InvocationState } from './command-state.ts'
import type { Documents } from './documents.ts'
import { type ExecutionDeps, execute } from './execution.ts'
import type { Instance, Instances } from './instances.ts'
import { resolveParameters } from './interpolation.ts'

const CONCURRENCY_PATTERN = /^([1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%)$/
const ERRORS_PATTERN = /^([1-9][0-9]*|0|[1-9][0-9]%|[0-9]%|100%)$/

interface Target {
  Key?: string
  Values?: string[]
}

/**
 * SendCommand: checks the request as the service does (limits, document, parameters, instances), stores
 * the command and starts running it in the background; the answer comes back at once with status Pending.
 */
export function sendCommand(
  input: JsonInput,
  context: {
    documents: Documents
    instances: Instances
    parameterStore: (name: string) => string | undefined
    accountId: string
    deps: ExecutionDeps
  },
): CommandState {
  const documentName = requiredString(input, 'DocumentName')
  const instanceIds = optionalStringList(input, 'InstanceIds')
  const targets = (input.Targets as Target[] | undefined) ?? undefined
  checkLimits(input, instanceIds, targets)
  const resolved = context.documents.resolve(documentName, optionalString(input, 'DocumentVersion'))
  const params = resolveParameters(
    resolved.parsed.parameters,
    (input.Parameters as Record<string, string[]>) ?? {},
    context.parameterStore,
  )
  const selected = selectInstances(context.instances, context.accountId, instanceIds, targets)
  const timeoutSeconds = optionalNumber(input, 'TimeoutSeconds') ?? 3600
  const alarm = alarmOf(input)
  const command: CommandState = {
    id: randomUUID(),
    request: input,
    documentName: resolved.name,
    documentVersion: optionalString(input, 'DocumentVersion') ?? '$DEFAULT',
    requestedAt: context.deps.now(),
    timeoutSeconds,
    maxConcurrency: optionalString(input, 'MaxConcurrency') ?? '50',
    maxErrors: optionalString(input, 'MaxErrors') ?? '0',
    status: selected.length === 0 ? 'Success' : 'Pending',
    statusDetails: selected.length === 0 ? 'Success' : 'Pending',
    invocations: selected.map(
      (instance): InvocationState => ({
        instanceId: instance.id,
        instanceName: instance.tags.Name ?? '',
        status: 'Pending',
        statusDetails: 'Pending',
        plugins: resolved.parsed.mainSteps.map((step) => ({
          name: step.name,
          status: 'Pending',
          statusDetails: 'Pending',
          responseCode: -1,
          stdout: '',
          stderr: '',
        })),
      }),
    ),
    abort: new AbortController(),
    ...(alarm === undefined ? {} : { alarm }),
  }
  // SSM answers SendCommand before anything is delivered, so the answer always says Pending.
  command.done = new Promise<void>((resolve) => setImmediate(resolve)).then(() =>
    execute(command, resolved.parsed, params, context.deps),
  )
  return command
}

/** AlarmConfiguration takes exactly one alarm, by name (1 to 255 characters, not blank). */
function alarmOf(input: JsonInput): string | undefined {
  const config = input.AlarmConfiguration as { Alarms?: { Name?: unknown }[] } | undefined
  if (config === undefined || config === null) return undefined
  const alarms = config.Alarms ?? []
  if (alarms.length !== 1) {
    throw validation(
      `Value at 'alarmConfiguration.alarms' failed to satisfy constraint: Member must have length ${alarms.length > 1 ? 'less than or equal to 1' : 'greater than or equal to 1'}`,
    )
  }
  const name = alarms[0]?.Name
  if (typeof name !== 'string' || name.length < 1 || name.length > 255 || /^\s*$/.test(name)) {
    throw validation(
      "Value at 'alarmConfiguration.alarms.1.member.name' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(?!\\s*$).+",
    )
  }
  return name
}

function checkLimits(
  input: JsonInput,
  instanceIds: string[] | undefined,
  targets: Target[] | undefined,
): void {
  if (instanceIds !== undefined && instanceIds.length > 50) {
    throw validation(
      `Value '[${instanceIds.join(', ')}]' at 'instanceIds' failed to satisfy constraint: Member must have length less than or equal to 50`,
    )
  }
  if (targets !== undefined) {
    if (targets.length > 5)
      throw validation(
        "Value at 'targets' failed to satisfy constraint: Member must have length less than or equal to 5",
      )
    for (const target of targets) {
      if ((target.Values?.length ?? 0) > 50) {
        throw validation(
          "Value at 'targets.member.values' failed to satisfy constraint: Member must have length less than or equal to 50",
        )
      }
    }
  }
  if ((instanceIds?.length ?? 0) === 0 && (targets?.length ?? 0) === 0) {
    throw new AwsError('ValidationException', 'Either InstanceIds or Targets must be specified.')
  }
  const timeout = optionalNumber(input, 'TimeoutSeconds')
  if (timeout !== undefined && (timeout < 30 || timeout > 2592000)) {
    throw validation(
      `Value '${timeout}' at 'timeoutSeconds' failed to satisfy constraint: Member must be between 30 and 2592000`,
    )
  }
  const concurrency = optionalString(input, 'MaxConcurrency')
  if (concurrency !== undefined && !CONCURRENCY_PATTERN.test(concurrency)) {
    throw validation(
      `Value '${concurrency}' at 'maxConcurrency' failed to satisfy constraint: Member must satisfy regular expression pattern: ${CONCURRENCY_PATTERN.source}`,
    )
  }
  const errors = optionalString(input, 'MaxErrors')
  if (errors !== undefined && !ERRORS_PATTERN.test(errors)) {
    throw validation(
      `Value '${errors}' at 'maxErrors' failed to satisfy constraint: Member must satisfy regular expression pattern: ${ERRORS_PATTERN.source}`,
    )
  }
  const comment = optionalString(input, 'Comment')
  if (comment !== undefined && comment.length > 100) {
    throw validation(
      "Value at 'comment' failed to satisfy constraint: Member must have length less than or equal to 100",
    )
  }
}

/** Named instances must be registered (InvalidInstanceId otherwise); tag targets may select none. */
function selectInstances(
  instances: Instances,
  accountId: string,
  instanceIds: string[] | undefined,
  targets: Target[] | undefined,
): Instance[] {
  const selected = new Map<string, Instance>()
  const unknown = (instanceIds ?? []).filter((id) => instances.get(id) === undefined)
  if (unknown.length > 0) {
    throw new AwsError(
      'InvalidInstanceId',
      `Instances [[${unknown.join(', ')}]] not in a valid state for account ${accountId}`,
    )
  }
  for (const id of instanceIds ?? []) selected.set(id, instances.get(id) as Instance)
  for (const target of targets ?? []) {
    for (const instance of instances.matchTarget(target.Key ?? '', target.Values ?? []))
      selected.set(instance.id, instance)
  }
  return [...selected.values()]
}
