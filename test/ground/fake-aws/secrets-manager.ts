import { randomBytes, randomUUID } from 'node:crypto'
import { AwsError, epochSeconds, type JsonInput, requiredString } from './protocol.ts'
import type { JsonOperations } from './server.ts'

/** Test controls of the fake Secrets Manager. */
export interface SecretsManagerControls {
  /** Stores a secret string under a name and returns its ARN (with the random suffix AWS adds). */
  put(name: string, secretString: string): string
  /** Marks a secret as scheduled for deletion, as DeleteSecret without force does. */
  scheduleDeletion(name: string): void
}

interface Secret {
  readonly arn: string
  readonly name: string
  readonly value: string
  readonly createdAt: number
  readonly versionId: string
  deletedAt?: number
}

/**
 * Secrets Manager's DescribeSecret and GetSecretValue over awsJson1_1 (`secretsmanager.` targets). A
 * secret is found by name or by its full ARN; ARNs end in `-` and six random characters, as AWS's do. A
 * secret scheduled for deletion is described (with DeletedDate) but its value cannot be read.
 */
export function createSecretsManager(options: { accountId: string; region: string; now: () => number }) {
  const secrets = new Map<string, Secret>()
  const find = (input: JsonInput): Secret => {
    const id = requiredString(input, 'SecretId')
    const secret = secrets.get(id) ?? [...secrets.values()].find((s) => s.arn === id)
    if (secret === undefined)
      throw new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.")
    return secret
  }
  const operations: JsonOperations = {
    DescribeSecret: (input) => {
      const secret = find(input)
      return {
        ARN: secret.arn,
        Name: secret.name,
        CreatedDate: epochSeconds(secret.createdAt),
        LastChangedDate: epochSeconds(secret.createdAt),
        VersionIdsToStages: { [secret.versionId]: ['AWSCURRENT'] },
        ...(secret.deletedAt === undefined ? {} : { DeletedDate: epochSeconds(secret.deletedAt) }),
      }
    },
    GetSecretValue: (input) => {
      const secret = find(input)
      if (secret.deletedAt !== undefined)
        throw new AwsError(
          'InvalidRequestException',
          "You can't perform this operation on the secret because it was marked for deletion.",
        )
      return {
        ARN: secret.arn,
        Name: secret.name,
        VersionId: secret.versionId,
        SecretString: secret.value,
        VersionStages: ['AWSCURRENT'],
        CreatedDate: epochSeconds(secret.createdAt),
      }
    },
  }
  const controls: SecretsManagerControls = {
    put(name, secretString) {
      const suffix = randomBytes(4).toString('base64url').replace(/[-_]/g, 'x').slice(0, 6)
      const arn = `arn:aws:secretsmanager:${options.region}:${options.accountId}:secret:${name}-${suffix}`
      secrets.set(name, { arn, name, value: secretString, createdAt: options.now(), versionId: randomUUID() })
      return arn
    },
    scheduleDeletion(name) {
      const secret = secrets.get(name)
      if (secret) secret.deletedAt = options.now()
    },
  }
  return {
    operations,
    controls,
    /** Whether an ARN names a secret that exists, for ECR's check of a rule's credentialArn. */
    exists: (arn: string) => [...secrets.values()].some((s) => s.arn === arn && s.deletedAt === undefined),
  }
}
