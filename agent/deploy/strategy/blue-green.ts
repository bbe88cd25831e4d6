import type { PortMapping, ServiceConfig } from '../../../shared/agent-config/types.ts'
import type { DeployerDeps } from '../deps.ts'
import {
  type DeployPlan,
  type DeployPlanInput,
  type DeployStep,
  type ServiceContainer,
  unchangedPlan,
} from '../plan.ts'
import { holdsPublicPort, routeNamesOf } from '../traffic.ts'
import type { RepairInput, Strategy, Undo, UndoInput } from './strategy.ts'

export interface BlueGreenPlanInput extends DeployPlanInput {
  readonly drainTimeoutSeconds: number
}

/**
 * Pure: what a blue-green deploy does. The new release starts beside the old one and must be healthy
 * before the proxy sends it anything; only then is it committed, the old release drained (established
 * connections finish, new ones already go to the new release), stopped and removed. Until `route`,
 * nothing the old release serves has been touched, so a failure only removes the new container.
 * Moving from recreate: a container that publishes the public port itself is stopped just before the
 * route step (the proxy needs the port), which costs a gap as long as its stop; a failure from there on
 * starts it again.
 */
export function planBlueGreen(input: BlueGreenPlanInput): DeployPlan {
  const unchanged = unchangedPlan(input, (serving) => serving.holdsPublicPort === true)
  if (unchanged) return unchanged
  const { desired } = input
  const steps: DeployStep[] = []
  if (!desired.local) steps.push({ kind: 'pull', image: desired.image })
  steps.push(
    { kind: 'record-intent', releaseId: desired.releaseId },
    { kind: 'start', releaseId: desired.releaseId, image: desired.image, name: input.containerName },
    { kind: 'wait-health', releaseId: desired.releaseId },
  )
  const holders = input.containers.filter((c) => c.running && c.holdsPublicPort === true)
  return {
    kind: 'switch',
    steps: [
      ...steps,
      ...takeOver(holders, desired.releaseId, input.stopTimeoutSeconds),
      { kind: 'commit', releaseId: desired.releaseId },
      ...retire(input.containers, holders, input),
      ...input.containers.map((c): DeployStep => ({ kind: 'remove', containerId: c.id })),
    ],
  }
}

/**
 * Pure: how blue-green undoes a failed switch. The old release kept serving throughout, so nothing is
 * restored: the proxy is pointed back at it (in case a route step had begun) and the new container is
 * removed. Moving from recreate, the old container was stopped to free the public port: the proxy
 * gives the port up again and the old container is started again, as it was.
 */
export function planBlueGreenUndo(service: ServiceConfig, input: UndoInput): Undo {
  const { release, previous, reason, containerId: newId, stopped } = input
  const moving = stopped.length > 0
  const steps: DeployStep[] = []
  if (moving) steps.push({ kind: 'unroute', names: routeNamesOf(service) })
  if (newId !== undefined) steps.push({ kind: 'remove', containerId: newId })
  if (moving) {
    for (const containerId of stopped) steps.push({ kind: 'resume', containerId })
  } else if (previous) {
    steps.push({ kind: 'route', releaseId: previous.id })
  }
  const kept = moving ? 'was started again' : 'kept serving'
  return {
    steps,
    announce: `release ${release.id} failed (${reason}); ${previous?.id ?? 'nothing'} ${moving ? 'is started again' : 'kept serving'}`,
    recorded: `${reason}; ${previous?.id ?? 'nothing'} ${kept}`,
    outcome: !previous
      ? 'there was no previous release'
      : moving
        ? `release ${previous.id} (${previous.image}) was stopped to free the public port and started again`
        : `release ${previous.id} (${previous.image}) kept serving and was never stopped`,
    ...(moving
      ? {
          ifFailed: {
            recorded: (why: string) => `${reason}; restarting ${previous?.id} failed: ${why}`,
            error: (why: string) =>
              `release ${release.id} of service "${service.name}" failed (${reason}) and starting ${previous?.id ?? 'the old container'} again failed too: ${why}`,
          },
        }
      : {}),
  }
}

/**
 * Pure: what reconcile does for a serving blue-green release: the tail of a switch, which an
 * interruption may have cut short. Routed first: after a crash mid-switch the proxy may still point
 * at a container removed below. A release left by recreate holds the public port itself and is left
 * as it is (the next deploy moves it behind the proxy); otherwise a container still holding the port
 * is stopped, as in an interrupted move from recreate. `drainTimeoutSeconds` as in a deploy.
 */
export function planBlueGreenRepair(
  input: RepairInput,
  timeouts: { readonly stopTimeoutSeconds: number; readonly drainTimeoutSeconds: number },
): readonly DeployStep[] {
  const { current, serving, containers } = input
  const stale = containers.filter((c) => c.releaseId !== current.id)
  const holders = containers.filter((c) => c.holdsPublicPort === true)
  const tail: DeployStep[] = holders.some((c) => c.id === serving.id)
    ? []
    : [...takeOver(holders, current.id, timeouts.stopTimeoutSeconds), ...retire(stale, holders, timeouts)]
  return [...tail, ...stale.map((c): DeployStep => ({ kind: 'remove', containerId: c.id }))]
}

/** The proxy takes the public ports: their holders are stopped, then the release is routed to. */
function takeOver(
  holders: readonly ServiceContainer[],
  releaseId: string,
  stopTimeoutSeconds: number,
): DeployStep[] {
  return [
    ...holders.map(
      (c): DeployStep => ({ kind: 'stop', containerId: c.id, timeoutSeconds: stopTimeoutSeconds }),
    ),
    { kind: 'route', releaseId },
  ]
}

/** The old releases' running containers are drained, then stopped; the holders are stopped already. */
function retire(
  containers: readonly ServiceContainer[],
  holders: readonly ServiceContainer[],
  timeouts: { readonly stopTimeoutSeconds: number; readonly drainTimeoutSeconds: number },
): DeployStep[] {
  const steps: DeployStep[] = []
  for (const container of containers) {
    if (container.running && !holders.some((h) => h.id === container.id)) {
      steps.push(
        { kind: 'drain', containerId: container.id, timeoutSeconds: timeouts.drainTimeoutSeconds },
        { kind: 'stop', containerId: container.id, timeoutSeconds: timeouts.stopTimeoutSeconds },
      )
    }
  }
  return steps
}

/** Marks the running containers that publish a public port themselves (left by the recreate strategy). */
async function withPortHolders(
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

/**
 * The proxy holds the public port, so each release publishes on loopback only, on a port Docker
 * picks (0); two releases can then run side by side. The port is read back from inspect.
 */
function privatePort(port: PortMapping): PortMapping {
  return { hostIp: '127.0.0.1', hostPort: 0, containerPort: port.containerPort }
}

/** Start the new release beside the old one, then switch the proxy that holds the public ports. */
export const blueGreen: Strategy = {
  publishedPorts: (service) => service.ports.map(privatePort),
  plan: async (deps, service, input) =>
    planBlueGreen({
      ...input,
      containers: await withPortHolders(deps, service, input.containers),
      drainTimeoutSeconds: service.drainTimeoutSeconds,
    }),
  undo: async (_deps, service, input) => planBlueGreenUndo(service, input),
  repair: async (deps, service, input) =>
    planBlueGreenRepair(
      { ...input, containers: await withPortHolders(deps, service, input.containers) },
      service,
    ),
  afterRecreate: (releaseId) => [{ kind: 'route', releaseId }],
}
