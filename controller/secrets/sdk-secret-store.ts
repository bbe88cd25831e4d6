import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager'
import { awsFailure } from '../aws-errors.ts'
import type { SecretDescription, SecretKeys, SecretStore } from './secret-store.ts'

/** The one place that speaks to Secrets Manager through the SDK; its types and the secret's value stay here. */
export class SdkSecretStore implements SecretStore {
  readonly #client: SecretsManagerClient

  constructor(client: SecretsManagerClient) {
    this.#client = client
  }

  static forRegion(region: string): SdkSecretStore {
    return new SdkSecretStore(new SecretsManagerClient({ region }))
  }

  async describe(name: string): Promise<SecretDescription | undefined> {
    const output = await this.#client
      .send(new DescribeSecretCommand({ SecretId: name }))
      .catch((error: unknown) => {
        if (error instanceof Error && error.name === 'ResourceNotFoundException') return undefined
        throw awsFailure('DescribeSecret', error, name)
      })
    if (output?.ARN === undefined) return undefined
    return {
      arn: output.ARN,
      name: output.Name ?? name,
      ...(output.DeletedDate === undefined ? {} : { deletedAt: output.DeletedDate }),
    }
  }

  async keys(arn: string): Promise<SecretKeys> {
    const output = await this.#client
      .send(new GetSecretValueCommand({ SecretId: arn }))
      .catch((error: unknown) => {
        // The SDK's message names the secret, never its value.
        throw awsFailure('GetSecretValue', error, arn)
      })
    let parsed: unknown
    try {
      parsed = JSON.parse(output.SecretString ?? '')
    } catch {
      return { kind: 'not-json-object' }
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      return { kind: 'not-json-object' }
    return { kind: 'json', keys: Object.keys(parsed) }
  }
}
