import { maxResults, paginate } from '../pagination.ts'
import {
  AwsError,
  epochSeconds,
  optionalString,
  optionalStringList,
  requiredString,
  validation,
} from '../protocol.ts'
import type { JsonOperations } from '../server.ts'

interface ParameterVersion {
  readonly name: string
  readonly type: string
  readonly value: string
  readonly version: number
  readonly modifiedAt: number
  readonly description?: string
}

/** Parameter Store keeps this many versions of a parameter and drops the oldest beyond it. */
export const HISTORY_LIMIT = 100

/**
 * Parameter Store: every put is a new version (numbers keep counting after old ones are dropped); the
 * newest is what GetParameter reads.
 */
export class Parameters {
  readonly #history = new Map<string, ParameterVersion[]>()

  private readonly now: () => number
  private readonly region: string
  private readonly accountId: string

  constructor(now: () => number, region: string, accountId: string) {
    this.now = now
    this.region = region
    this.accountId = accountId
  }

  /** The current value of a parameter, for `{{ssm:/name}}` references; undefined when absent. */
  value(name: string): string | undefined {
    return this.#history.get(name)?.at(-1)?.value
  }

  readonly operations: JsonOperations = {
    PutParameter: (input) => {
      const name = requiredString(input, 'Name')
      const value = requiredString(input, 'Value')
      const history = this.#history.get(name) ?? []
      const previous = history.at(-1)
      if (previous !== undefined && input.Overwrite !== true) {
        throw new AwsError(
          'ParameterAlreadyExists',
          'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
        )
      }
      const type = optionalString(input, 'Type') ?? previous?.type
      if (type === undefined)
        throw new AwsError('ValidationException', `Type is required when creating ${name}`)
      if (!['String', 'StringList', 'SecureString'].includes(type)) {
        throw new AwsError(
          'ValidationException',
          `Type ${type} is not one of String, StringList, SecureString`,
        )
      }
      const description = optionalString(input, 'Description') ?? previous?.description
      const version = (previous?.version ?? 0) + 1
      history.push({
        name,
        type,
        value,
        version,
        modifiedAt: this.now(),
        ...(description === undefined ? {} : { description }),
      })
      if (history.length > HISTORY_LIMIT) history.splice(0, history.length - HISTORY_LIMIT)
      this.#history.set(name, history)
      return { Version: version, Tier: 'Standard' }
    },
    // `name:version` selects one version; Parameter Store answers with the plain name and the selector.
    GetParameter: (input) => {
      const [name, selector] = splitSelector(requiredString(input, 'Name'))
      const history = this.#find(name)
      if (selector === undefined) {
        return { Parameter: this.#view(history.at(-1) as ParameterVersion, input.WithDecryption === true) }
      }
      if (!/^[1-9][0-9]*$/.test(selector)) {
        throw new AwsError('ParameterVersionLabelNotFound', `Label ${selector} not found for ${name}.`)
      }
      const found = history.find((entry) => entry.version === Number(selector))
      if (found === undefined) {
        throw new AwsError(
          'ParameterVersionNotFound',
          `Systems Manager could not find version ${selector} of ${name}. Verify the version and try again.`,
        )
      }
      return {
        Parameter: { ...this.#view(found, input.WithDecryption === true), Selector: `:${selector}` },
      }
    },
    // The parameter goes with its whole history: a later PutParameter starts again at version 1.
    DeleteParameter: (input) => {
      const name = requiredString(input, 'Name')
      this.#find(name)
      this.#history.delete(name)
      return {}
    },
    // Names that do not exist are listed in InvalidParameters, not an error.
    GetParameters: (input) => {
      const names = optionalStringList(input, 'Names') ?? []
      if (names.length < 1 || names.length > 10) {
        throw validation(
          `Value '[${names.join(', ')}]' at 'names' failed to satisfy constraint: Member must have length less than or equal to 10 and greater than or equal to 1`,
        )
      }
      const unique = [...new Set(names)]
      const found = unique.flatMap((name) => this.#history.get(name)?.slice(-1) ?? [])
      return {
        Parameters: found.map((entry) => this.#view(entry, input.WithDecryption === true)),
        InvalidParameters: unique.filter((name) => !this.#history.has(name)),
      }
    },
    GetParameterHistory: (input) => {
      const history = this.#find(requiredString(input, 'Name'))
      const page = paginate(history, maxResults(input, 1, 50), optionalString(input, 'NextToken'), 50)
      return {
        Parameters: page.items.map((entry) => ({
          ...this.#view(entry, input.WithDecryption === true),
          LastModifiedUser: `arn:aws:iam::${this.accountId}:user/test`,
          Labels: [],
          Tier: 'Standard',
          Policies: [],
          ...(entry.description === undefined ? {} : { Description: entry.description }),
        })),
        ...(page.nextToken === undefined ? {} : { NextToken: page.nextToken }),
      }
    },
  }

  #find(name: string): ParameterVersion[] {
    // A parameter name never holds ':'; a selector is only GetParameter's.
    const history = this.#history.get(name)
    if (history === undefined) throw new AwsError('ParameterNotFound', `Parameter ${name} not found.`)
    return history
  }

  #view(entry: ParameterVersion, decrypt: boolean) {
    // SecureString values come back encrypted unless asked otherwise; the fake marks them instead.
    const value = entry.type === 'SecureString' && !decrypt ? `encrypted:${entry.name}` : entry.value
    return {
      Name: entry.name,
      Type: entry.type,
      Value: value,
      Version: entry.version,
      LastModifiedDate: epochSeconds(entry.modifiedAt),
      ARN: `arn:aws:ssm:${this.region}:${this.accountId}:parameter${entry.name.startsWith('/') ? '' : '/'}${entry.name}`,
      DataType: 'text',
    }
  }
}

/** `/a/b:7` -> ['/a/b', '7']; a name without a selector -> [name, undefined]. */
function splitSelector(text: string): [string, string | undefined] {
  const at = text.lastIndexOf(':')
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)]
}
