import type { ServiceConfig } from '../../shared/agent-config/types.js'
import { networkProbes } from '../health/probes.js'
import { probeOnce } from '../health/wait-healthy.js'
import { nextReleaseId } from '../state/ledger.js'
import { applySwitch } from './apply-switch.js'
import { containerName, LABEL_RELEASE, managedLabels } from './container-spec.js'
import type { DeployOutcome, DeployResult, ProgressEvent } from './deployer.js'
import type { DeployerDeps } from './deps.js'
import { planBlueGreen, planDeploy, type ServiceContainer } from './plan.js'
import { type ResolvedImage, resolveEnv } from './prepare.js'
import { holdsPublicPort, proxyRoutesOf } from './traffic.js'

export interface SwitchRequest {
  readonly agentId: string
  readonly service: ServiceConfig
  readonly target: ResolvedImage
  readonly resultOnSuccess: DeployResult
  readonly startedAt: number
  readonly progress: (phase: ProgressEvent['phase'], message: string) => void
}

/** Plans and applies a switch of one service to a resolved image; the caller holds the service lock. */
export async function switchRelease(deps: DeployerDeps, request: SwitchRequest): Promise<DeployOutcome> {
  const { service, target, progress, agentId } = request
  const ledger = await deps.state.read(service.name)
  const blueGreen = service.strategy === 'blue-green'
  const listed = await serviceContainers(deps, agentId, service.name)
  const containers = blueGreen ? await withPortHolders(deps, service, listed) : listed
  const current = ledger.current
  const releaseId = nextReleaseId(ledger)
  const input = {
    containerName: containerName(agentId, service.name, releaseId),
    stopTimeoutSeconds: service.stopTimeoutSeconds,
    desired: { releaseId, ...target },
    ...(current ? { current } : {}),
    containers,
    currentServes: current ? await serves(deps, service, containers, current.id) : false,
    ...(blueGreen ? {} : { proxyRoutes: await proxyRoutesOf(deps, service) }),
  }
  const plan = blueGreen
    ? planBlueGreen({ ...input, drainTimeoutSeconds: service.drainTimeoutSeconds })
    : planDeploy(input)
  const durationMs = () => deps.clock.now() - request.startedAt
  if (plan.kind === 'unchanged' && current) {
    progress('done', `unchanged: release ${current.id} already runs ${target.digest} and is healthy`)
    return {
      service: service.name,
      result: 'unchanged',
      release: current,
      ...(ledger.previous ? { previous: ledger.previous } : {}),
      durationMs: durationMs(),
      message: `${service.name} already runs ${current.image} (release ${current.id}); nothing changed`,
    }
  }
  const release = {
    id: releaseId,
    image: target.image,
    digest: target.digest,
    startedAt: new Date(request.startedAt).toISOString(),
    result: 'in-progress' as const,
  }
  const steps = plan.kind === 'switch' ? plan.steps : []
  // Read only when switching (the common re-run asks nothing of Parameter Store), but before
  // anything is stopped: a missing parameter must leave the running release alone.
  const env = await resolveEnv(deps.parameters, service)
  const runner = await applySwitch({
    deps,
    agentId,
    service,
    env,
    ledger,
    progress,
    release,
    steps,
    resultOnSuccess: request.resultOnSuccess,
  })
  const committed = runner.committed ?? release
  const verb = request.resultOnSuccess === 'rolled-back' ? 'rolled back to' : 'deployed'
  const message = `${verb} ${committed.image} as release ${committed.id} of ${service.name} in ${(durationMs() / 1000).toFixed(1)} s`
  progress('done', message)
  return {
    service: service.name,
    result: request.resultOnSuccess,
    release: committed,
    ...(runner.ledger.previous ? { previous: runner.ledger.previous } : {}),
    durationMs: durationMs(),
    message,
  }
}

export async function serviceContainers(
  deps: DeployerDeps,
  agentId: string,
  service: string,
): Promise<readonly ServiceContainer[]> {
  const listed = await deps.docker.listContainers(managedLabels(agentId, service))
  return listed.map((c) => ({ id: c.id, releaseId: c.labels[LABEL_RELEASE], running: c.state === 'running' }))
}

/** Marks the running containers that publish a public port themselves (left by the recreate strategy). */
export async function withPortHolders(
  deps: DeployerDeps,
  service: ServiceConfig,
  containers: readonly ServiceContainer[],
): Promise<readonly ServiceContainer[]> {
  return Promise.all(
    containers.map(async (container) => {
      if (!container.running) return container
      const info = await deps.docker.inspect(container.id)
      return info && holdsPublicPort(info, service) ? { ...container, holdsPublicPort: true } : container
    }),
  )
}

/** The release's container is running and passes one probe right now. */
export async function serves(
  deps: DeployerDeps,
  service: ServiceConfig,
  containers: readonly ServiceContainer[],
  releaseId: string,
): Promise<boolean> {
  const container = containers.find((c) => c.releaseId === releaseId && c.running)
  if (!container) return false
  const info = await deps.docker.inspect(container.id)
  if (!info?.running || info.state === 'restarting') return false
  const result = await probeOnce(service.healthCheck, info, deps.probes ?? networkProbes)
  return result.ok
}
