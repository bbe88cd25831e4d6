import type { ReleaseSource } from '../config/release-source.ts'
import type { Deployer } from '../deploy/deployer.ts'
import type { HoldStore } from '../state/hold-store.ts'

/** Where the old layout's desired images are read; the SSM adapter fits. */
export interface DesiredStateSource {
  /** The parameter's value, or undefined when it does not exist. */
  find(name: string): Promise<string | undefined>
}

export interface DesiredStateDeps {
  readonly deployer: Deployer
  /** Releases, `/ecr-deploy/<environment>/<service>`. */
  readonly releases: ReleaseSource
  /** The old layout, `/ecr-deploy/<service>`, read while instances migrate. */
  readonly source: DesiredStateSource
  /** Releases not to deploy until the release changes (rolled back from, or failed); kept on disk. */
  readonly holds: HoldStore
  /** The configured services and environment; read at each run, so a reload takes effect. */
  readonly services: () => readonly string[]
  readonly environment: () => string | undefined
  /** Told once per hold (or fallback) and daemon run why a parameter is not acted on. */
  readonly warn: (message: string) => void
  readonly now?: () => Date
}
