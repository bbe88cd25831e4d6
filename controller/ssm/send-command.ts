import type { CommandRequest } from './fleet-api.ts'

/** Where a command goes: SSM Targets (tags) or explicit instance ids. */
export type Targeting =
  | {
      readonly kind: 'targets'
      readonly targets: readonly { readonly key: string; readonly values: readonly string[] }[]
    }
  | { readonly kind: 'instances'; readonly instanceIds: readonly string[] }

/** SSM accepts at most 50 instance ids per SendCommand. */
export const MAX_IDS_PER_COMMAND = 50

export interface CommandPlan {
  readonly documentName: string
  readonly parameters: Readonly<Record<string, string | readonly string[]>>
  readonly targeting: Targeting
  readonly maxConcurrency: string
  readonly maxErrors: string
  readonly timeoutSeconds: number
  readonly comment?: string
  readonly alarm?: string
}

/**
 * The SendCommand requests for one fleet action, as data. Tag targets are one request: SSM resolves the tags
 * and does the rolling itself. More than 50 explicit ids are split only because SendCommand takes 50 at most;
 * each part carries the same MaxConcurrency and MaxErrors, and SSM still runs every part.
 */
export function commandRequests(plan: CommandPlan): CommandRequest[] {
  const base = {
    documentName: plan.documentName,
    parameters: Object.fromEntries(
      Object.entries(plan.parameters).map(([name, value]) => [
        name,
        typeof value === 'string' ? [value] : [...value],
      ]),
    ),
    maxConcurrency: plan.maxConcurrency,
    maxErrors: plan.maxErrors,
    timeoutSeconds: plan.timeoutSeconds,
    ...(plan.comment === undefined ? {} : { comment: plan.comment }),
    ...(plan.alarm === undefined ? {} : { alarm: plan.alarm }),
  }
  if (plan.targeting.kind === 'targets') return [{ ...base, targets: plan.targeting.targets }]
  const ids = plan.targeting.instanceIds
  const requests: CommandRequest[] = []
  for (let start = 0; start < ids.length; start += MAX_IDS_PER_COMMAND) {
    requests.push({ ...base, instanceIds: ids.slice(start, start + MAX_IDS_PER_COMMAND) })
  }
  return requests
}
