import { desiredParameterName, type StatusAnswer } from '../shared/agent-contract.ts'
import { currentStable } from './deploy.ts'
import type { FleetOptions } from './options.ts'
import { shortDigest, shown } from './report/text.ts'
import { DEPLOY_STEP_NAME } from './ssm/document.ts'
import type { FleetApi, ParameterVersion } from './ssm/fleet-api.ts'
import type { InstanceOutcome } from './ssm/outcome.ts'
import { runOnFleet } from './ssm/run-on-fleet.ts'
import type { WaitClock } from './ssm/waiter.ts'

export interface InstanceRelease {
  readonly instanceId: string
  /** What the agent runs, or undefined when it answered nothing usable. */
  readonly digest?: string
  readonly state: string
  readonly healthy: boolean | null
  readonly drift: boolean
  readonly error?: string
}

export interface FleetStatus {
  readonly service: string
  readonly desired?: string
  readonly desiredVersion?: number
  readonly instances: readonly InstanceRelease[]
  readonly timedOut: boolean
}

/**
 * Reads `ecr-deploy-agent status --json` output and compares it with the desired digest. An instance
 * controls that output, so every field is checked before it is used.
 */
export function releaseOf(
  outcome: InstanceOutcome,
  service: string,
  desiredDigest: string | undefined,
): InstanceRelease {
  if (outcome.result === 'failed') {
    return {
      instanceId: outcome.instanceId,
      state: 'unknown',
      healthy: null,
      drift: true,
      error: `${outcome.ssmStatus}: ${outcome.message}`,
    }
  }
  const line =
    (outcome.output ?? '')
      .trim()
      .split('\n')
      .reverse()
      .find((l) => l.trim().startsWith('{')) ?? ''
  let parsed: Partial<StatusAnswer> = {}
  try {
    parsed = JSON.parse(line) as Partial<StatusAnswer>
  } catch {
    return {
      instanceId: outcome.instanceId,
      state: 'unknown',
      healthy: null,
      drift: true,
      error: 'the agent status was not JSON',
    }
  }
  const entry = Array.isArray(parsed.services)
    ? parsed.services.find((s) => s?.service === service)
    : undefined
  const digest = typeof entry?.current?.digest === 'string' ? entry.current.digest : undefined
  const state =
    entry === undefined ? 'not-deployed' : typeof entry.state === 'string' ? entry.state : 'unknown'
  return {
    instanceId: outcome.instanceId,
    ...(digest === undefined ? {} : { digest }),
    state,
    healthy: typeof entry?.healthy === 'boolean' ? entry.healthy : null,
    drift: desiredDigest !== undefined && digest !== desiredDigest,
  }
}

/** Asks every target's agent what it runs (action=status through our document), next to the desired release. */
export async function fleetStatus(
  fleet: FleetApi,
  clock: WaitClock,
  options: FleetOptions,
  environment?: string,
): Promise<FleetStatus> {
  const desired = await desiredOf(fleet, options.service, environment)
  const desiredDigest = desired?.value.split('@')[1]
  const result = await runOnFleet(fleet, clock, {
    documentName: options.documentName,
    parameters: { action: 'status', service: options.service },
    targeting: options.targeting,
    maxConcurrency: options.maxConcurrency,
    maxErrors: '100%',
    timeoutSeconds: options.timeoutSeconds,
    stepName: DEPLOY_STEP_NAME,
  })
  return {
    service: options.service,
    ...(desired ? { desired: desired.value, desiredVersion: desired.version } : {}),
    instances: result.outcomes.map((outcome) => releaseOf(outcome, options.service, desiredDigest)),
    timedOut: result.timedOut,
  }
}

/**
 * What the fleet should run: the environment's stable release, or with no environment given, the bare image
 * of the layout before releases were records.
 */
async function desiredOf(
  fleet: FleetApi,
  service: string,
  environment: string | undefined,
): Promise<ParameterVersion | undefined> {
  if (environment === undefined) return fleet.getParameter(desiredParameterName(service))
  const stable = await currentStable({ fleet }, environment, service)
  return stable === undefined ? undefined : { value: stable.release.image, version: stable.version }
}

/** The status for a terminal or a CI log: what instances said is shown through the report's guards. */
export function statusText(status: FleetStatus): string {
  const lines = [
    `service ${status.service}: desired ${status.desired === undefined ? '(none recorded)' : shown(status.desired)}${status.desiredVersion ? ` (version ${status.desiredVersion})` : ''}`,
  ]
  for (const i of [...status.instances].sort((a, b) => a.instanceId.localeCompare(b.instanceId))) {
    const health = i.healthy === null ? '-' : i.healthy ? 'healthy' : 'unhealthy'
    lines.push(
      `${shown(i.instanceId)}  ${shortDigest(i.digest)}  ${shown(i.state)}  ${health}${i.drift ? '  DRIFT' : ''}${i.error ? `  ${shown(i.error)}` : ''}`,
    )
  }
  const drifted = status.instances.filter((i) => i.drift).length
  lines.push(
    `${status.instances.length} instance(s), ${drifted} not on the desired release${status.timedOut ? ', some did not answer in time' : ''}`,
  )
  return lines.join('\n')
}
