import { desiredParameterName } from '../../shared/agent-contract.ts'
import { HealthFailedError, RollbackFailedError } from '../../shared/errors.ts'
import { parseImageRef } from '../../shared/image-ref.ts'
import { sameSpec } from '../../shared/release.ts'
import type { Deployer, DeployOutcome, DeployRequest, RollbackRequest } from '../deploy/deployer.ts'
import type { HoldStore } from '../state/hold-store.ts'
import type { DesiredStateSource } from './desired-deps.ts'

export interface DesiredHoldDeps {
  readonly holds: HoldStore
  /** Parameter Store, to learn which digest the desired-state job would bring back after a rollback. */
  readonly source: DesiredStateSource
  /** A hold that cannot be read or written is reported here; the deploy's own result stands. */
  readonly warn: (message: string) => void
  readonly now?: () => Date
}

/**
 * Wraps a Deployer so that a rollback sticks. Without it, the desired-state job would re-deploy within
 * minutes the very digest an operator just rolled back from (it is still in Parameter Store), or retry one
 * that failed its health check and was rolled back. A successful deploy of a held digest, by hand, means
 * someone wants it after all, and releases the hold.
 */
export function holdDesiredOnRollback(deployer: Deployer, deps: DesiredHoldDeps): Deployer {
  const now = deps.now ?? (() => new Date())
  // The service lock ends with the rollback, before its hold is written (after a Parameter Store read, in
  // the old layout). Until then the service reads as deploying, so that the desired-state job, which reads
  // the status before the hold, cannot see the rolled-back release without its hold and deploy it again.
  const settling = new Map<string, number>()
  const settle = async <T>(service: string, work: () => Promise<T>): Promise<T> => {
    settling.set(service, (settling.get(service) ?? 0) + 1)
    try {
      return await work()
    } finally {
      const left = (settling.get(service) ?? 1) - 1
      if (left === 0) settling.delete(service)
      else settling.set(service, left)
    }
  }

  const guarded = async (service: string, change: () => Promise<void>): Promise<void> => {
    try {
      await change()
    } catch (error) {
      deps.warn(`${service}: the desired-state hold was not updated: ${(error as Error).message}`)
    }
  }

  const afterDeploy = (request: DeployRequest, outcome: DeployOutcome) =>
    guarded(request.service, async () => {
      const hold = await deps.holds.read(request.service)
      if (hold?.digest === outcome.release.digest && sameSpec(hold.spec, request.release?.spec))
        await deps.holds.release(request.service)
    })

  const afterFailure = (request: DeployRequest, error: unknown) =>
    guarded(request.service, async () => {
      if (!(error instanceof HealthFailedError || error instanceof RollbackFailedError)) return
      const digest = pinnedDigest(request.image)
      if (digest === undefined) return
      const reason = `deploy failed its health check [${error.code}]`
      await deps.holds.write({
        service: request.service,
        digest,
        reason,
        since: now().toISOString(),
        ...(request.release ? { spec: request.release.spec, release: request.release.selector } : {}),
      })
    })

  const afterRollback = (request: RollbackRequest, outcome: DeployOutcome) =>
    guarded(request.service, async () => {
      const from = outcome.previous
      // A release deployed from a release parameter is held itself: the job would bring it back only
      // while the parameter stands on it, and the same digest with another spec is another release.
      if (from?.release !== undefined) {
        if (from.digest === outcome.release.digest && sameSpec(from.spec, outcome.release.spec)) return
        await deps.holds.write({
          service: request.service,
          digest: from.digest,
          ...(from.spec === undefined ? {} : { spec: from.spec }),
          release: from.release,
          reason: `manual rollback to ${outcome.release.id}`,
          since: now().toISOString(),
        })
        return
      }
      const parameter = desiredParameterName(request.service)
      let desired: string | undefined
      try {
        const image = await deps.source.find(parameter)
        desired = image === undefined ? undefined : pinnedDigest(image)
      } catch {
        // Parameter Store unreachable: the parameter most likely still names what was running.
        desired = outcome.previous?.digest
      }
      if (desired === undefined || desired === outcome.release.digest) return
      const reason = `manual rollback to ${outcome.release.id}`
      await deps.holds.write({
        service: request.service,
        digest: desired,
        reason,
        since: now().toISOString(),
      })
    })

  return {
    deploy: async (request) => {
      try {
        const outcome = await deployer.deploy(request)
        await afterDeploy(request, outcome)
        return outcome
      } catch (error) {
        await afterFailure(request, error)
        throw error
      }
    },
    rollback: (request) =>
      settle(request.service, async () => {
        const outcome = await deployer.rollback(request)
        await afterRollback(request, outcome)
        return outcome
      }),
    // A pull deploys nothing, so it neither sets nor clears a hold.
    pull: (request) => deployer.pull(request),
    status: async (service) =>
      (await deployer.status(service)).map((status) =>
        settling.has(status.service) ? { ...status, state: 'deploying', healthy: null } : status,
      ),
    history: (service) => deployer.history(service),
    reconcile: () => deployer.reconcile(),
    prune: () => deployer.prune(),
    retire: (service) => deployer.retire(service),
  }
}

function pinnedDigest(image: string): string | undefined {
  try {
    return parseImageRef(image).digest
  } catch {
    return undefined
  }
}
