import { GetParameterCommand, GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm'
import { isAuthErrorName } from '../../shared/aws-auth-errors.ts'
import { AwsAuthError, AwsError, ReleaseInvalidError } from '../../shared/errors.ts'
import {
  type ReleaseSelector,
  type ReleaseVersion,
  releaseParameterName,
  releaseSelectorText,
} from '../../shared/release.ts'
import type { ParameterSource } from '../config/parameter-source.ts'
import { type ReleaseSource, releaseOf } from '../config/release-source.ts'

/** GetParameters takes at most ten names per call. */
const BATCH = 10

/**
 * SSM Parameter Store for the agent: service environment values (`envFromParameters`, SecureStrings
 * decrypted), releases (`/ecr-deploy/<environment>/<service>`, by version or the newest) and, while
 * instances migrate, the bare desired image of the old layout (`/ecr-deploy/<service>`). Values are
 * never logged.
 */
export class ParameterStore implements ParameterSource, ReleaseSource {
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

  /** A release is never a secret: read without decryption, so the instance role needs no key for it. */
  async release(selector: ReleaseSelector): Promise<ReleaseVersion> {
    const text = releaseSelectorText(selector)
    try {
      const answer = await this.client.send(new GetParameterCommand({ Name: text, WithDecryption: false }))
      return releaseOf(selector, answer.Parameter?.Value ?? '')
    } catch (error) {
      const name = nameOf(error)
      if (name === 'ParameterNotFound' || name === 'ParameterVersionNotFound') {
        throw new ReleaseInvalidError(
          `release ${text} does not exist (${name}): Parameter Store keeps the last 100 versions; see \`ecr-deploy history --environment ${selector.environment} --service ${selector.service}\``,
          { cause: error },
        )
      }
      if (error instanceof ReleaseInvalidError) throw error
      throw wrap(error, text)
    }
  }

  async latest(environment: string, service: string): Promise<ReleaseVersion | undefined> {
    const name = releaseParameterName(environment, service)
    let parameter: { readonly value: string; readonly version: number }
    try {
      const answer = await this.client.send(new GetParameterCommand({ Name: name, WithDecryption: false }))
      parameter = { value: answer.Parameter?.Value ?? '', version: answer.Parameter?.Version ?? 0 }
    } catch (error) {
      if (nameOf(error) === 'ParameterNotFound') return undefined
      throw wrap(error, name)
    }
    return releaseOf({ environment, service, version: parameter.version }, parameter.value)
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
