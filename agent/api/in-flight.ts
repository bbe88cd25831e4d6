import type { Deployer, DeployOutcome, UpkeepReport } from '../deploy/deployer.ts'

/** A Deployer that counts the operations that change containers, so that shutdown can wait for them. */
export interface TrackedDeployer extends Deployer {
  /** How many deploys, rollbacks, reconciles and prunes are running. */
  readonly inFlight: number
  /** Resolves when none runs (at once if none does). */
  idle(): Promise<void>
}

/**
 * Wraps a Deployer. A SIGTERM during a deploy should let it finish (a half-switched service is worse than a
 * slightly late stop); the daemon waits on idle(), bounded, before it exits.
 */
export function trackInFlight(deployer: Deployer): TrackedDeployer {
  let count = 0
  let waiters: (() => void)[] = []
  const track = async <T extends DeployOutcome | UpkeepReport>(run: () => Promise<T>): Promise<T> => {
    count += 1
    try {
      return await run()
    } finally {
      count -= 1
      if (count === 0) {
        for (const wake of waiters) wake()
        waiters = []
      }
    }
  }
  return {
    get inFlight() {
      return count
    },
    idle: () => (count === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
    deploy: (request) => track(() => deployer.deploy(request)),
    rollback: (request) => track(() => deployer.rollback(request)),
    reconcile: () => track(() => deployer.reconcile()),
    prune: () => track(() => deployer.prune()),
    retire: (service) => track(() => deployer.retire(service)),
    // A pull changes no container: a stop mid-pull leaves nothing half done, so shutdown does not wait.
    pull: (request) => deployer.pull(request),
    status: (service) => deployer.status(service),
    history: (service) => deployer.history(service),
  }
}
