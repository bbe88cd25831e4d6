import { AwsError, type JsonInput, optionalNumber, validation } from './protocol.ts'

/** One page of a list and the token for the next one; the token is left out on the last page. */
export interface Page<T> {
  readonly items: T[]
  readonly nextToken?: string
}

/**
 * Cuts a list into pages. Tokens are opaque offsets; the CLI aborts when a token repeats, so the last
 * page carries none at all.
 */
export function paginate<T>(
  items: readonly T[],
  maxResults: number | undefined,
  token: string | undefined,
  defaultSize: number,
): Page<T> {
  const start = token === undefined ? 0 : decodeToken(token)
  const size = maxResults ?? defaultSize
  const end = start + size
  const page = items.slice(start, end)
  return end < items.length ? { items: page, nextToken: encodeToken(end) } : { items: page }
}

/**
 * `MaxResults` checked against the operation's bounds, as the service validates it before anything else
 * (1–50 for ListCommands, ListCommandInvocations and GetParameterHistory; 5–50 for instances).
 */
export function maxResults(input: JsonInput, min: number, max: number): number | undefined {
  const value = optionalNumber(input, 'MaxResults')
  if (value === undefined) return undefined
  if (value < min) {
    throw validation(
      `Value '${value}' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to ${min}`,
    )
  }
  if (value > max) {
    throw validation(
      `Value '${value}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to ${max}`,
    )
  }
  return value
}

function encodeToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64')
}

function decodeToken(token: string): number {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64').toString('utf8'))
    const offset = (parsed as { offset?: unknown }).offset
    if (typeof offset === 'number' && Number.isInteger(offset) && offset >= 0) return offset
  } catch {
    // fall through to the error below
  }
  throw new AwsError('InvalidNextToken', 'The specified token is not valid.')
}
