import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Faults } from './faults.ts'
import {
  AwsError,
  type JsonInput,
  readBody,
  signingAccessKeyId,
  writeJson,
  writeJsonError,
} from './protocol.ts'
import { writeXmlError } from './sts.ts'

/** Handlers of one awsJson1_1 service, by operation name. */
export type JsonOperations = Record<string, (input: JsonInput) => unknown>

/** One request the fake received, with the access key that signed it (if signed). */
export interface RecordedCall {
  readonly service: 'ssm' | 'ecr' | 'sts'
  readonly operation: string
  readonly accessKeyId: string | undefined
  readonly input: JsonInput
  readonly at: number
}

/** Everything the server routes to. */
export interface Routes {
  readonly ssm: JsonOperations
  readonly ecr: JsonOperations
  readonly sts: (params: URLSearchParams, res: http.ServerResponse) => void
  readonly imds: (req: http.IncomingMessage, res: http.ServerResponse, path: string) => void
  /** Whether a signing key has expired (instance-role keys past their `Expiration`). */
  readonly expiredKey: (accessKeyId: string | undefined) => boolean
  readonly faults: Faults
  readonly calls: RecordedCall[]
  readonly now: () => number
}

const TARGET_PREFIXES: Record<string, 'ssm' | 'ecr'> = {
  AmazonSSM: 'ssm',
  AmazonEC2ContainerRegistry_V20150921: 'ecr',
}

/**
 * One HTTP server for every fake service. awsJson1_1 requests are routed on `X-Amz-Target`, never on
 * path or Host (the CLI and SDK differ there); `/latest/` is IMDS; a form body is STS.
 */
export async function listen(routes: Routes): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer((req, res) => {
    handle(routes, req, res).catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error)
      if (!res.headersSent) writeJsonError(res, new AwsError('InternalServerError', message, 500))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, port: (server.address() as AddressInfo).port }
}

async function handle(routes: Routes, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://fake').pathname
  if (path.startsWith('/latest/')) {
    try {
      await routes.faults.before(imdsOperation(path))
    } catch (error) {
      // IMDS has no error bodies; a status is all the SDK looks at.
      if (!(error instanceof AwsError)) throw error
      res.writeHead(error.status).end()
      return
    }
    routes.imds(req, res, path)
    return
  }
  const body = await readBody(req)
  const target = req.headers['x-amz-target']
  if (typeof target === 'string') {
    await handleJson(routes, req, res, target, body)
    return
  }
  const params = new URLSearchParams(body)
  const operation = params.get('Action') ?? ''
  routes.calls.push({
    service: 'sts',
    operation,
    accessKeyId: signingAccessKeyId(req.headers.authorization),
    input: Object.fromEntries(params),
    at: routes.now(),
  })
  try {
    await routes.faults.before(operation)
  } catch (error) {
    if (error instanceof AwsError) return writeXmlError(res, error)
    throw error
  }
  routes.sts(params, res)
}

async function handleJson(
  routes: Routes,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  target: string,
  body: string,
): Promise<void> {
  const [prefix = '', operation = ''] = target.split('.')
  const service = TARGET_PREFIXES[prefix]
  const handler = service === undefined ? undefined : routes[service][operation]
  try {
    if (service === undefined || handler === undefined) {
      throw new AwsError('UnknownOperationException', `The fake does not implement ${target}`)
    }
    let input: JsonInput
    try {
      const parsed: unknown = JSON.parse(body === '' ? '{}' : body)
      input = typeof parsed === 'object' && parsed !== null ? (parsed as JsonInput) : {}
    } catch {
      throw new AwsError('SerializationException', 'The request body is not valid JSON')
    }
    const accessKeyId = signingAccessKeyId(req.headers.authorization)
    routes.calls.push({ service, operation, accessKeyId, input, at: routes.now() })
    if (routes.expiredKey(accessKeyId)) {
      // What SSM and ECR answer for a session key past its expiry; the SDK does not retry it.
      throw new AwsError('ExpiredTokenException', 'The security token included in the request is expired')
    }
    await routes.faults.before(operation)
    writeJson(res, await handler(input))
  } catch (error) {
    if (error instanceof AwsError) writeJsonError(res, error)
    else throw error
  }
}

/** Names IMDS requests so faults can target them like operations. */
function imdsOperation(path: string): string {
  if (path === '/latest/api/token') return 'ImdsToken'
  return path.includes('/iam/security-credentials/') ? 'ImdsCredentials' : 'ImdsMetadata'
}
