import type { ImageRef } from '../../shared/image-ref.ts'
import type { RegistryCredentials } from '../docker/engine.ts'

/**
 * Credentials to pull from one ECR registry, obtained with the instance's own role. Implementations
 * keep tokens in memory only: nothing is written to disk, nothing is logged.
 */
export interface RegistryAuth {
  /** Credentials for the image's registry (account and region come from the reference). */
  authFor(image: ImageRef): Promise<RegistryCredentials>
}
