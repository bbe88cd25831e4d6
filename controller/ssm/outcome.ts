import type { AgentVerdict } from '../../shared/agent-contract.ts'
import type { Invocation } from './fleet-api.ts'

export type InstanceResult = 'succeeded' | 'unchanged' | 'failed'

export interface InstanceOutcome {
  readonly instanceId: string
  readonly result: InstanceResult
  /** SSM's own words, e.g. "Failed (Failed)" or "TimedOut (Delivery Timed Out)". */
  readonly ssmStatus: string
  readonly durationMs?: number
  readonly digest?: string
  readonly previousDigest?: string
  readonly message: string
  /** The tail of the instance's output, fetched for failures only. */
  readonly outputTail?: string
  /** The step's stdout: as listed (2,500 characters at most), or in full when the waiter fetched it. */
  readonly output?: string
}

const FINISHED = new Set(['Success', 'Cancelled', 'TimedOut', 'Failed'])
/** What SSM Agent prints for a step whose `precondition` (our document's platformType) did not hold. */
const SKIPPED_STEP = /^Step execution skipped due to unsatisfied preconditions: (.*)$/m

export function isFinished(invocation: Invocation): boolean {
  return FINISHED.has(invocation.status)
}

/**
 * One finished invocation as a deploy result. Only SSM's Success with the agent's exit 0 is a success:
 * Undeliverable, Delivery Timed Out, Access Denied, Terminated, Cancelled and TimedOut are failures even when
 * SSM counts the command as a whole a success.
 */
export function outcomeOf(invocation: Invocation, agent: AgentVerdict | undefined): InstanceOutcome {
  const ssmStatus =
    invocation.statusDetails && invocation.statusDetails !== invocation.status
      ? `${invocation.status} (${invocation.statusDetails})`
      : invocation.status
  const durationMs =
    invocation.startedAt && invocation.finishedAt
      ? invocation.finishedAt.getTime() - invocation.startedAt.getTime()
      : undefined
  const common = {
    instanceId: invocation.instanceId,
    ssmStatus,
    ...(invocation.output ? { output: invocation.output } : {}),
    ...(durationMs === undefined || durationMs < 0 ? {} : { durationMs }),
    ...(agent?.digest ? { digest: agent.digest } : {}),
    ...(agent?.previousDigest ? { previousDigest: agent.previousDigest } : {}),
  }
  const skipped = agent === undefined ? SKIPPED_STEP.exec(invocation.output) : null
  if (invocation.status === 'Success' && skipped) {
    // SSM counts a skipped step as a Success, but nothing ran: the instance did not deploy.
    return {
      ...common,
      result: 'failed',
      message: `the step was skipped, nothing ran: the instance does not meet the document's precondition (${skipped[1]})`,
    }
  }
  if (invocation.status === 'Success') {
    const unchanged = agent?.result === 'unchanged'
    return {
      ...common,
      result: unchanged ? 'unchanged' : 'succeeded',
      message: agent?.message ?? 'exited 0',
    }
  }
  const message = agent?.message
    ? `${agent.code ? `[${agent.code}] ` : ''}${agent.message}`
    : failureText(invocation)
  return { ...common, result: 'failed', message }
}

function failureText(invocation: Invocation): string {
  switch (invocation.statusDetails) {
    case 'Undeliverable':
      return 'the command could not reach the instance (SSM agent stopped, no instance profile, or the instance was terminated)'
    case 'Delivery Timed Out':
      return 'the instance did not pick up the command before the timeout (offline or SSM agent not running)'
    case 'Execution Timed Out':
      return 'the agent did not finish within the step timeout'
    case 'Terminated':
      return 'SSM stopped sending the command because too many instances failed (MaxErrors)'
    case 'Access Denied':
      return 'the SSM agent on the instance was denied access'
    default:
      return invocation.responseCode !== undefined && invocation.responseCode >= 0
        ? `the agent exited ${invocation.responseCode}`
        : `SSM reports ${invocation.status}${invocation.statusDetails ? ` (${invocation.statusDetails})` : ''}`
  }
}
