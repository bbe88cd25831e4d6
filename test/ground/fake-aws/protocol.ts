import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'

/**
 * An error the fake answers with, in the shape the AWS wire protocols carry: a name (the `__type` of
 * awsJson1_1 or the `Code` of the query protocol), a message and an HTTP status.
 */
export class AwsError extends Error {
  readonly type: string
  readonly status: number

  constructor(type: string, message: string, status: number = 400) {
    super(message)
    this.type = type
    this.status = status
    this.name = type
  }
}

/** A JSON request body as the awsJson1_1 clients send it: always an object. */
export type JsonInput = Record<string, unknown>

/** Where a JSON timestamp goes: AWS JSON protocols carry epoch seconds as numbers, fractions allowed. */
export function epochSeconds(ms: number): number {
  return ms / 1000
}

/** Reads the whole body; the fake only serves small requests so buffering is fine. */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

export function writeJson(res: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(200, {
    'content-type': 'application/x-amz-json-1.1',
    'x-amzn-requestid': randomUUID(),
    'content-length': Buffer.byteLength(text),
  })
  res.end(text)
}

/**
 * Writes an awsJson1_1 error. The CLI reads only the body `__type`, the SDK reads it first, so it always
 * goes in the body; `Message` and `message` are both set because SSM models the former and ECR the latter.
 */
export function writeJsonError(res: ServerResponse, error: AwsError): void {
  const text = JSON.stringify({ __type: error.type, message: error.message, Message: error.message })
  res.writeHead(error.status, {
    'content-type': 'application/x-amz-json-1.1',
    'x-amzn-requestid': randomUUID(),
    'x-amzn-errortype': error.type,
    'content-length': Buffer.byteLength(text),
  })
  res.end(text)
}

/** The access key id from a SigV4 `Authorization` header (`Credential=AKID/date/region/service/...`). */
export function signingAccessKeyId(authorization: string | undefined): string | undefined {
  const match = /Credential=([^/,\s]+)\//.exec(authorization ?? '')
  return match?.[1]
}

/** Reads an optional string member, rejecting other JSON types the way the service's validation does. */
export function optionalString(input: JsonInput, key: string): string | undefined {
  const value = input[key]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string') throw validation(`'${key}' must be a string`)
  return value
}

export function requiredString(input: JsonInput, key: string): string {
  const value = optionalString(input, key)
  if (value === undefined)
    throw validation(
      `Value null at '${lowerFirst(key)}' failed to satisfy constraint: Member must not be null`,
    )
  return value
}

export function optionalStringList(input: JsonInput, key: string): string[] | undefined {
  const value = input[key]
  if (value === undefined || value === null) return undefined
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw validation(`'${key}' must be a list of strings`)
  }
  return value
}

export function optionalNumber(input: JsonInput, key: string): number | undefined {
  const value = input[key]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'number') throw validation(`'${key}' must be a number`)
  return value
}

export function validation(message: string): AwsError {
  return new AwsError('ValidationException', `1 validation error detected: ${message}`)
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1)
}
