import {
  CreateRepositoryCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
} from '@aws-sdk/client-ecr'
import { AwsError } from '../../shared/errors.ts'
import { hideInLogs } from '../../shared/log-secrets.ts'
import { awsFailure } from '../aws-errors.ts'
import type { Credentials } from '../registry/auth.ts'

export type TagMutability = 'MUTABLE' | 'IMMUTABLE'

/** A repository as migrate needs it: whether it was just created, and whether its tags may move. */
export interface RepositoryState {
  readonly created: boolean
  readonly mutability: TagMutability
}

/** How to reach ECR's registry API: its URL and the login GetAuthorizationToken gave. */
export interface RegistryLogin {
  readonly url: string
  readonly credentials: Credentials
}

/** ECR repositories for `migrate`, in our words. */
export interface EcrRepositories {
  /** The repository, created with scan on push and `mutability` when it is missing. */
  ensure(name: string, mutability: TagMutability): Promise<RepositoryState>
  /** The digest ECR holds under a tag (DescribeImages), or undefined when the tag is not there. */
  tagDigest(name: string, tag: string): Promise<string | undefined>
  /** The registry login; the token is registered with the log censor and kept in memory only. */
  login(): Promise<RegistryLogin>
}

/** The one EcrRepositories over the SDK. */
export class SdkEcrRepositories implements EcrRepositories {
  readonly #client: ECRClient

  constructor(client: ECRClient) {
    this.#client = client
  }

  static forRegion(region: string): SdkEcrRepositories {
    return new SdkEcrRepositories(new ECRClient({ region }))
  }

  async ensure(name: string, mutability: TagMutability): Promise<RepositoryState> {
    const found = await this.#client
      .send(new DescribeRepositoriesCommand({ repositoryNames: [name] }))
      .catch((error: unknown) => {
        if (error instanceof Error && error.name === 'RepositoryNotFoundException') return undefined
        throw awsFailure('DescribeRepositories', error, name)
      })
    const existing = found?.repositories?.[0]
    if (existing !== undefined) {
      return {
        created: false,
        mutability: existing.imageTagMutability === 'IMMUTABLE' ? 'IMMUTABLE' : 'MUTABLE',
      }
    }
    await this.#client
      .send(
        new CreateRepositoryCommand({
          repositoryName: name,
          imageTagMutability: mutability,
          imageScanningConfiguration: { scanOnPush: true },
        }),
      )
      .catch((error: unknown) => {
        throw awsFailure('CreateRepository', error, name)
      })
    return { created: true, mutability }
  }

  async tagDigest(name: string, tag: string): Promise<string | undefined> {
    const output = await this.#client
      .send(new DescribeImagesCommand({ repositoryName: name, imageIds: [{ imageTag: tag }] }))
      .catch((error: unknown) => {
        if (error instanceof Error && error.name === 'ImageNotFoundException') return undefined
        throw awsFailure('DescribeImages', error, `${name}:${tag}`)
      })
    return output?.imageDetails?.[0]?.imageDigest
  }

  async login(): Promise<RegistryLogin> {
    const output = await this.#client.send(new GetAuthorizationTokenCommand({})).catch((error: unknown) => {
      throw awsFailure('GetAuthorizationToken', error)
    })
    const data = output.authorizationData?.[0]
    const token = data?.authorizationToken
    if (token === undefined || data?.proxyEndpoint === undefined) {
      throw new AwsError('GetAuthorizationToken answered no token or registry endpoint')
    }
    const decoded = Buffer.from(token, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    const password = decoded.slice(colon + 1)
    hideInLogs(token, password)
    return { url: data.proxyEndpoint, credentials: { username: decoded.slice(0, colon), password } }
  }
}
