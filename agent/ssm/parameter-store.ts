import { GetParameterCommand, GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm'
import { isAuthErrorName } from '../../shared/aws-auth-errors.ts'
import { AwsAuthError, AwsError } from '../../shared/errors.ts'
import type { ParameterSource } from '../config/parameter-source.ts'

/** GetParameters takes at most ten names per call. */
const BATCH = 10

/**
 * SSM Parameter Store for the agent: service environment values (`envFromParameters`, SecureStrings
 * decrypted) and the desired image of each service (`/ecr-deploy/<service>`). Values are never logged.
 */
export class ParameterStore implements ParameterSource {
  private readonly client: SSMClient

  constructor(client: SSMClient = new SSMClient({})) {
    this.client = client
  }

  async get(names: readonly string[]): Promise<Readonly<Record<string, string>>> {
    const values: Record<string, string> = {}
    for (let start = 0; start < names.length; start += BATCH) {
      const batch = names.slice(start, start + BATCH)
      const answer = await this.send(batch.join(', '), () =>
        this.client.send(new GetParametersCommand({ Names: [...batch], WithDecryption: true })),
      )
      const missing = answer.InvalidParameters ?? []
      if (missing.length > 0) {
        throw new AwsError(
          `SSM parameter ${missing.map((name) => `"${name}"`).join(', ')} not found: create it, or fix envFromParameters in the agent configuration`,
        )
      }
      for (const parameter of answer.Parameters ?? []) {
        if (parameter.Name !== undefined && parameter.Value !== undefined)
          values[parameter.Name] = parameter.Value
      }
    }
    return Object.freeze(values)
  }

  /** One parameter, or undefined when it does not exist (no desired state is not an error). */
  async find(name: string): Promise<string | undefined> {
    try {
      const answer = await this.client.send(new GetParameterCommand({ Name: name, WithDecryption: true }))
      return answer.Parameter?.Value
    } catch (error) {
      if (nameOf(error) === 'ParameterNotFound') return undefined
      throw wrap(error, name)
    }
  }

  private async send<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call()
    } catch (error) {
      throw wrap(error, what)
    }
  }
}

function nameOf(error: unknown): string {
  return error instanceof Error ? error.name : 'Error'
}

function wrap(error: unknown, what: string): Error {
  const name = nameOf(error)
  const detail = error instanceof Error ? error.message : String(error)
  if (isAuthErrorName(name)) {
    return new AwsAuthError(
      `reading SSM parameter ${what} was refused (${name}): the instance role needs ssm:GetParameter(s) on it (and kms:Decrypt for SecureStrings)`,
      { cause: error },
    )
  }
  return new AwsError(`reading SSM parameter ${what} failed (${name}: ${detail})`, { cause: error })
}
