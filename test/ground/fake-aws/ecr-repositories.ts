import {
  AwsError,
  epochSeconds,
  type JsonInput,
  optionalString,
  requiredString,
  validation,
} from './protocol.ts'

/** What CreateRepository set on a repository. */
export interface RepositorySettings {
  readonly imageTagMutability: 'MUTABLE' | 'IMMUTABLE'
  readonly scanOnPush: boolean
  readonly createdAt: number
}

/**
 * Repositories made by CreateRepository, with their settings. The registry behind the fake ECR is the
 * real distribution registry, which knows nothing of these: a repository exists there once something is
 * pushed, and it never refuses a moved tag. So the fake reports `IMMUTABLE` as ECR does, but enforcing it
 * at push time is not something this ground can show; clients are expected to check first.
 */
export class CreatedRepositories {
  readonly #settings = new Map<string, RepositorySettings>()

  get(name: string): RepositorySettings | undefined {
    return this.#settings.get(name)
  }

  names(): string[] {
    return [...this.#settings.keys()]
  }

  create(input: JsonInput, existing: readonly string[], now: number, accountId: string): RepositorySettings {
    const name = requiredString(input, 'repositoryName')
    if (
      !/^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(name) ||
      name.length > 256
    ) {
      throw validation(`Invalid parameter at 'repositoryName' failed to satisfy constraint: '${name}'`)
    }
    if (this.#settings.has(name) || existing.includes(name)) {
      throw new AwsError(
        'RepositoryAlreadyExistsException',
        `The repository with name '${name}' already exists in the registry with id '${accountId}'`,
      )
    }
    const mutability = optionalString(input, 'imageTagMutability') ?? 'MUTABLE'
    if (mutability !== 'MUTABLE' && mutability !== 'IMMUTABLE') {
      throw validation(
        `Invalid parameter at 'imageTagMutability' failed to satisfy constraint: '${mutability}'`,
      )
    }
    const scanning = input.imageScanningConfiguration as { scanOnPush?: unknown } | undefined
    const settings = {
      imageTagMutability: mutability,
      scanOnPush: scanning?.scanOnPush === true,
      createdAt: now,
    } as const
    this.#settings.set(name, settings)
    return settings
  }

  /** The repository object ECR answers with. */
  describe(name: string, region: string, accountId: string, registryHost: string): Record<string, unknown> {
    const settings = this.#settings.get(name)
    return {
      repositoryArn: `arn:aws:ecr:${region}:${accountId}:repository/${name}`,
      registryId: accountId,
      repositoryName: name,
      repositoryUri: `${registryHost}/${name}`,
      createdAt: epochSeconds(settings?.createdAt ?? 0),
      imageTagMutability: settings?.imageTagMutability ?? 'MUTABLE',
      imageScanningConfiguration: { scanOnPush: settings?.scanOnPush ?? false },
      encryptionConfiguration: { encryptionType: 'AES256' },
    }
  }
}
