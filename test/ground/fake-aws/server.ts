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
  readonly service: 'ssm' | 'ecr' | 'secretsmanager' | 'sts' | 'cloudwatch'
  readonly operation: string
  readonly accessKeyId: string | undefined
  readonly input: JsonInput
  readonly at: number
  /**
   * The `app/<id>` of the caller's User-Agent (`AWS_SDK_UA_APP_ID` in an SDK's environment): how a test
   * tells apart processes that sign with the same keys, such as agents sharing the fake IMDS role.
   */
  readonly appId?: string
}

function appIdOf(req: http.IncomingMessage): { appId?: string } {
  const agent = [req.headers['user-agent'], req.headers['x-amz-user-agent']].join(' ')
  const id = /(?:^|\s)app\/(\S+)/.exec(agent)?.[1]
  return id === undefined ? {} : { appId: id }
}

/** Everything the server routes to. */
export interface Routes {
  readonly ssm: JsonOperations
  readonly ecr: JsonOperations
  readonly cloudwatch: JsonOperations
  readonly secretsmanager: JsonOperations
  readonly sts: (params: URLSearchParams, res: http.ServerResponse) => void
  /** CloudWatch's query protocol (form bodies naming its API version). */
  readonly cloudwatchQuery: (params: URLSearchParams, res: http.ServerResponse) => void
  readonly imds: (req: http.IncomingMessage, res: http.ServerResponse, path: string) => void
  /** Whether a signing key has expired (instance-role keys past their `Expiration`). */
  readonly expiredKey: (accessKeyId: string | undefined) => boolean
  readonly faults: Faults
  readonly calls: RecordedCall[]
  readonly now: () => number
}

const TARGET_PREFIXES: Record<string, 'ssm' | 'ecr' | 'secretsmanager' | 'cloudwatch'> = {
  AmazonSSM: 'ssm',
  AmazonEC2ContainerRegistry_V20150921: 'ecr',
  // CloudWatch over awsJson1_0, the protocol both the SDK and the CLI choose for it.
  GraniteServiceVersion20100801: 'cloudwatch',
  secretsmanager: 'secretsmanager',
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
  // A form body is STS, unless it names CloudWatch's API version.
  const service = params.get('Version') === '2010-08-01' ? 'cloudwatch' : 'sts'
  routes.calls.push({
    service,
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
  if (service === 'cloudwatch') routes.cloudwatchQuery(params, res)
  else routes.sts(params, res)
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
    routes.calls.push({ service, operation, accessKeyId, input, at: routes.now(), ...appIdOf(req) })
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
