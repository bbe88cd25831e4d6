import { desiredParameterName } from '../shared/agent-contract.ts'
import { formatImageRef, parseImageRef } from '../shared/image-ref.ts'
import type { ImageRegistry } from './ecr/images.ts'
import type { DeployOptions } from './options.ts'
import type { DeployReport, PhaseReport } from './report/fleet-report.ts'
import { DEPLOY_STEP_NAME } from './ssm/document.ts'
import type { FleetApi } from './ssm/fleet-api.ts'
import type { InstanceOutcome } from './ssm/outcome.ts'
import { runOnFleet } from './ssm/run-on-fleet.ts'
import type { Targeting } from './ssm/send-command.ts'
import type { WaitClock } from './ssm/waiter.ts'

export interface DeployDeps {
  readonly registry: ImageRegistry
  readonly fleet: FleetApi
  readonly clock: WaitClock
  readonly onOutcome?: (outcome: InstanceOutcome, phase: 'deploy' | 'rollback') => void
}

/**
 * Resolve, record, send, wait: the deploy use case. It never loops over instances itself: SSM targets them and
 * rolls through them under MaxConcurrency and MaxErrors. Returns the report; the CLI turns it into an exit code.
 */
export async function deployRelease(deps: DeployDeps, options: DeployOptions): Promise<DeployReport> {
  const pinned = formatImageRef(await deps.registry.resolve(options.image))
  const parameter = desiredParameterName(options.service)
  const previous = await deps.fleet.getParameter(parameter)
  const parameterVersion = await deps.fleet.putParameter(parameter, pinned)
  const deployPhase = await runPhase(deps, options, options.targeting, pinned, 'deploy')
  const report: DeployReport = {
    service: options.service,
    digest: parseImageRef(pinned).digest ?? '',
    parameterVersion,
    deploy: deployPhase,
  }
  const failed = deployPhase.outcomes.some((o) => o.result === 'failed') || deployPhase.timedOut
  if (!options.rollbackOnFailure || !failed) return report

  if (!previous || previous.value === pinned) {
    return {
      ...report,
      rollbackSkipped: previous
        ? 'the previous desired release is this same image'
        : 'no earlier release is recorded',
    }
  }
  await deps.fleet.putParameter(parameter, previous.value)
  // Exactly the instances now running the new image go back; instances that failed were rolled back by their agent.
  const changed = deployPhase.outcomes.filter((o) => o.result !== 'failed').map((o) => o.instanceId)
  if (changed.length === 0) return { ...report, rollbackSkipped: 'no instance had taken the new release' }
  const rollback = await runPhase(
    deps,
    options,
    { kind: 'instances', instanceIds: changed },
    previous.value,
    'rollback',
  )
  return { ...report, rollback }
}

async function runPhase(
  deps: DeployDeps,
  options: DeployOptions,
  targeting: Targeting,
  image: string,
  phase: 'deploy' | 'rollback',
): Promise<PhaseReport> {
  const result = await runOnFleet(deps.fleet, deps.clock, {
    documentName: options.documentName,
    // A rollback deploys the previous pinned image: every instance lands on the same digest, whatever its
    // own history holds (a new Auto Scaling instance has none).
    parameters: { action: 'deploy', service: options.service, image },
    targeting,
    maxConcurrency: options.maxConcurrency,
    maxErrors: options.maxErrors,
    timeoutSeconds: options.timeoutSeconds,
    ...(options.comment === undefined ? {} : { comment: options.comment }),
    stepName: DEPLOY_STEP_NAME,
    onOutcome: (outcome) => deps.onOutcome?.(outcome, phase),
  })
  return { image, ...result }
}
