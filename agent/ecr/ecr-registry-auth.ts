import {
  ECRClient,
  GetAuthorizationTokenCommand,
  type GetAuthorizationTokenCommandOutput,
} from '@aws-sdk/client-ecr'
import { isAuthErrorName } from '../../shared/aws-auth-errors.ts'
import { AwsAuthError, AwsError } from '../../shared/errors.ts'
import type { ImageRef } from '../../shared/image-ref.ts'
import { hideInLogs } from '../../shared/log-secrets.ts'
import type { RegistryCredentials } from '../docker/engine.ts'
import type { RegistryAuth } from './registry-auth.ts'

/** Tokens last 12 hours; renewing this long before expiry leaves room for a slow pull. */
const RENEW_BEFORE_MS = 15 * 60 * 1000

interface CachedToken {
  readonly credentials: RegistryCredentials
  readonly expiresAt: number
}

export interface EcrRegistryAuthOptions {
  /** Builds the SDK client for a region; the default uses the SDK's default credential chain (IMDSv2 on EC2). */
  readonly clientFor?: (region: string) => ECRClient
  readonly now?: () => number
}

/**
 * ECR GetAuthorizationToken per registry, cached until shortly before it expires. The endpoint
 * follows the standard AWS_ENDPOINT_URL_ECR variable, which the SDK reads by itself.
 */
export class EcrRegistryAuth implements RegistryAuth {
  readonly #clients = new Map<string, ECRClient>()
  readonly #tokens = new Map<string, CachedToken>()
  readonly #clientFor: (region: string) => ECRClient
  readonly #now: () => number

  constructor(options: EcrRegistryAuthOptions = {}) {
    this.#clientFor = options.clientFor ?? ((region) => new ECRClient({ region }))
    this.#now = options.now ?? Date.now
  }

  async authFor(image: ImageRef): Promise<RegistryCredentials> {
    const cached = this.#tokens.get(image.registry)
    if (cached && this.#now() < cached.expiresAt - RENEW_BEFORE_MS) return cached.credentials
    const token = await this.#fetch(image)
    this.#tokens.set(image.registry, token)
    return token.credentials
  }

  async #fetch(image: ImageRef): Promise<CachedToken> {
    const where = `ECR GetAuthorizationToken for account ${image.accountId} in ${image.region}`
    let output: GetAuthorizationTokenCommandOutput
    try {
      output = await this.#client(image.region).send(
        new GetAuthorizationTokenCommand({ registryIds: [image.accountId] }),
      )
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error'
      const reason = error instanceof Error ? error.message : String(error)
      if (isAuthErrorName(name)) {
        throw new AwsAuthError(
          `${where} was refused (${name}: ${reason}). The instance role needs ecr:GetAuthorizationToken, and the instance must reach IMDSv2 for its credentials.`,
          { cause: error },
        )
      }
      throw new AwsError(
        `${where} failed (${name}: ${reason}). Check that ECR in ${image.region} is reachable.`,
        {
          cause: error,
        },
      )
    }
    const [data] = output.authorizationData ?? []
    const decoded = Buffer.from(data?.authorizationToken ?? '', 'base64').toString('utf8')
    const password = decoded.slice(decoded.indexOf(':') + 1)
    hideInLogs(data?.authorizationToken, password)
    const separator = decoded.indexOf(':')
    if (separator < 0 || !data?.expiresAt) throw new AwsError(`${where} returned no usable token`)
    return {
      credentials: {
        username: decoded.slice(0, separator),
        password,
        serveraddress: `https://${image.registry}`,
      },
      expiresAt: data.expiresAt.getTime(),
    }
  }

  #client(region: string): ECRClient {
    let client = this.#clients.get(region)
    if (!client) {
      client = this.#clientFor(region)
      this.#clients.set(region, client)
    }
    return client
  }
}
