import type { ServiceConfig } from '../../../shared/agent-config/types.ts'
import { containerName } from '../container-labels.ts'
import type { DeployerDeps } from '../deps.ts'
import {
  type DeployPlan,
  type DeployPlanInput,
  type DeployStep,
  planRestore,
  unchangedPlan,
} from '../plan.ts'
import { serviceContainers } from '../service-containers.ts'
import { proxyRoutesOf } from '../traffic.ts'
import type { RepairInput, Strategy, Undo, UndoInput } from './strategy.ts'

export interface RecreatePlanInput extends DeployPlanInput {
  /**
   * Names of the proxy routes that hold the service's public ports. A recreate deploy removes them
   * before its container takes the ports: the move from blue-green back to recreate.
   */
  readonly proxyRoutes?: readonly string[]
}

/**
 * Pure: what a recreate deploy does. The same digest already serving is `unchanged` (no pull, no
 * restart). Otherwise the intent is recorded before anything stops, so that a crash leaves a
 * ledger that reconcile() can finish or undo; old containers are removed only once the new is healthy.
 */
export function planRecreate(input: RecreatePlanInput): DeployPlan {
  const unchanged = unchangedPlan(input, () => (input.proxyRoutes ?? []).length > 0)
  if (unchanged) return unchanged
  const { desired } = input
  const steps: DeployStep[] = []
  if (!desired.local) steps.push({ kind: 'pull', image: desired.image })
  steps.push({ kind: 'record-intent', releaseId: desired.releaseId })
  for (const container of input.containers) {
    if (container.running) {
      steps.push({ kind: 'stop', containerId: container.id, timeoutSeconds: input.stopTimeoutSeconds })
    }
  }
  if (input.proxyRoutes && input.proxyRoutes.length > 0) {
    steps.push({ kind: 'unroute', names: input.proxyRoutes })
  }
  steps.push(
    { kind: 'start', releaseId: desired.releaseId, image: desired.image, name: input.containerName },
    { kind: 'wait-health', releaseId: desired.releaseId },
    { kind: 'commit', releaseId: desired.releaseId },
  )
  for (const container of input.containers) steps.push({ kind: 'remove', containerId: container.id })
  return { kind: 'switch', steps }
}

/**
 * Pure: how recreate undoes a failed switch. The old container was stopped for the new one, so the
 * previous release is re-created from configuration and its image and must be healthy again.
 */
export function planRecreateUndo(
  service: ServiceConfig,
  input: UndoInput,
  containers: Parameters<typeof planRestore>[0]['containers'],
): Undo {
  const { release, previous, reason } = input
  return {
    steps: planRestore({
      ...(previous ? { previous } : {}),
      previousContainerName: containerName(input.agentId, service.name, previous?.id ?? ''),
      containers,
    }),
    announce: `release ${release.id} failed (${reason}); restoring ${previous?.id ?? 'nothing'}`,
    recorded: `${reason}${previous ? `; restored ${previous.id}` : ''}`,
    done: previous ? `restored ${previous.id}, healthy` : 'no previous release to restore',
    outcome: previous
      ? `restored release ${previous.id} (${previous.image}), which is healthy`
      : 'there was no previous release to restore',
    ifFailed: {
      recorded: (why) => `${reason}; restoring ${previous?.id} failed: ${why}`,
      error: (why) =>
        `release ${release.id} of service "${service.name}" failed (${reason}) and restoring ${previous?.id} (${previous?.image}) failed too: ${why}`,
    },
  }
}

/** Pure: a serving recreate release needs only the containers of other releases gone. */
export function planRecreateRepair(input: RepairInput): readonly DeployStep[] {
  return input.containers
    .filter((c) => c.releaseId !== input.current.id)
    .map((c) => ({ kind: 'remove', containerId: c.id }))
}

/** Stop the old container, then start the new one on the same public ports: a short outage. */
export const recreate: Strategy = {
  publishedPorts: (service) => service.ports,
  plan: async (deps: DeployerDeps, service, input) =>
    planRecreate({ ...input, proxyRoutes: await proxyRoutesOf(deps, service) }),
  undo: async (deps, service, input) =>
    planRecreateUndo(service, input, await serviceContainers(deps, input.agentId, service.name)),
  repair: async (_deps, _service, input) => planRecreateRepair(input),
  afterRecreate: () => [],
}
