import { parseImageRef } from '../../shared/image-ref.ts'
import type { UpkeepReport } from '../deploy/deployer.ts'
import type { RegistryAuth } from '../ecr/registry-auth.ts'

export interface TokenRefreshDeps {
  readonly auth: RegistryAuth
  /** `<registry>/<repository>` of each configured service; read at each run. */
  readonly repositories: () => readonly string[]
}

/**
 * Asks the registry auth for a token for every registry in use. The auth renews a cached token shortly
 * before it expires, so running this more often than that margin means a deploy never waits for
 * GetAuthorizationToken, and a refused role shows up in the log before a deploy needs it.
 */
export function tokenRefreshJob(deps: TokenRefreshDeps): () => Promise<UpkeepReport> {
  return async () => {
    const registries = new Map<string, string>()
    for (const repository of deps.repositories()) {
      const ref = parseImageRef(`${repository}:latest`)
      registries.set(ref.registry, repository)
    }
    for (const repository of registries.values()) {
      await deps.auth.authFor(parseImageRef(`${repository}:latest`))
    }
    return { actions: [] }
  }
}
