import { type FastifyBaseLogger, type FastifyError, type FastifyInstance, fastify } from 'fastify'
import { DeployToolError, UsageError } from '../../shared/errors.ts'
import { parseImageRef } from '../../shared/image-ref.ts'
import type { ReleaseSelector } from '../../shared/release.ts'
import type { Deployer } from '../deploy/deployer.ts'
import { type ReleaseDeploy, selectorOf } from '../deploy/release-request.ts'
import { httpStatusOf } from './http-status.ts'
import { errorLineOf, pullResultLineOf, resultLineOf } from './protocol.ts'
import {
  type DeployBody,
  deployBodySchema,
  type PullBody,
  pullBodySchema,
  type RetireBody,
  type RollbackBody,
  retireBodySchema,
  rollbackBodySchema,
  serviceParamsSchema,
  servicesQuerySchema,
} from './schemas.ts'
import { NDJSON, streamOperation } from './stream-operation.ts'

/** What POST /reload reports after the configuration was read again and applied. */
export interface ReloadOutcome {
  readonly services: readonly string[]
  readonly message: string
}

/** Everything the API needs, built by agent/main.ts (or by a test with fakes). */
export interface ApiDeps {
  readonly deployer: Deployer
  /**
   * Reads the release a deploy names and checks it is for this instance and service; without it, a
   * deploy by release is refused (UsageError).
   */
  readonly releases?: (service: string, selector: ReleaseSelector) => Promise<ReleaseDeploy>
  /** Reads the configuration again; throws ConfigError and keeps the old one when the new one is invalid. */
  readonly reload: () => Promise<ReloadOutcome>
  /** Pino logger for requests; omit to stay silent (tests). */
  readonly logger?: FastifyBaseLogger
  readonly version?: string
}

/** Builds the agent API. It never listens by itself: see listenOnSocket, or use `inject()` in tests. */
export function buildServer(deps: ApiDeps): FastifyInstance {
  const app = fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    // Reject unknown keys and wrong types instead of silently dropping or coercing them.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  })
  const { deployer } = deps
  const startedAt = Date.now()

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const known =
      error instanceof DeployToolError
        ? error
        : (error.statusCode ?? 500) < 500
          ? new UsageError(`${request.method} ${request.url}: ${error.message}`)
          : error
    if (!(known instanceof DeployToolError)) request.log.error({ err: error }, 'request failed unexpectedly')
    const line = errorLineOf(known)
    return reply
      .code(httpStatusOf(line.code))
      .type(NDJSON)
      .send(`${JSON.stringify(line)}\n`)
  })
  app.setNotFoundHandler((request, reply) => {
    const line = errorLineOf(new UsageError(`${request.method} ${request.url} is not an agent API route`))
    return reply
      .code(404)
      .type(NDJSON)
      .send(`${JSON.stringify(line)}\n`)
  })

  app.post<{ Body: DeployBody }>('/deploy', { schema: { body: deployBodySchema } }, (request, reply) => {
    const { service, wait } = request.body
    const what = deployTarget('/deploy', request.body, deps.releases)
    return streamOperation(reply, async (onProgress) =>
      resultLineOf(
        await deployer.deploy({ service, ...(await what()), onProgress, ...(wait ? { wait } : {}) }),
      ),
    )
  })

  // The deploy's target and checks, and only the pull: the controller sends it before the switch waves.
  app.post<{ Body: PullBody }>('/pull', { schema: { body: pullBodySchema } }, (request, reply) => {
    const what = deployTarget('/pull', request.body, deps.releases)
    return streamOperation(reply, async (onProgress) =>
      pullResultLineOf(await deployer.pull({ service: request.body.service, ...(await what()), onProgress })),
    )
  })

  app.post<{ Body: RollbackBody }>(
    '/rollback',
    { schema: { body: rollbackBodySchema } },
    (request, reply) => {
      const { service, to } = request.body
      return streamOperation(reply, async (onProgress) =>
        resultLineOf(await deployer.rollback({ service, onProgress, ...(to === undefined ? {} : { to }) })),
      )
    },
  )

  app.get<{ Querystring: { service?: string } }>(
    '/services',
    { schema: { querystring: servicesQuerySchema } },
    async (request) => ({ services: await deployer.status(request.query.service) }),
  )

  app.get<{ Params: { name: string } }>(
    '/services/:name/history',
    { schema: { params: serviceParamsSchema } },
    async (request) => ({
      service: request.params.name,
      releases: await deployer.history(request.params.name),
    }),
  )

  app.get('/health', async () => ({
    status: 'ok',
    version: deps.version ?? 'unknown',
    uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
  }))

  app.post('/reload', async () => deps.reload())

  app.post<{ Body: RetireBody }>('/retire', { schema: { body: retireBodySchema } }, async (request) => ({
    service: request.body.service,
    ...(await deployer.retire(request.body.service)),
  }))

  return app
}

/**
 * What a deploy or pull body names, checked before anything streams: an image (validated here to name the bad
 * part; the deployer receives the reference as the user wrote it), or a release, read once the operation runs.
 */
function deployTarget(
  route: '/deploy' | '/pull',
  body: PullBody,
  releases: ApiDeps['releases'],
): () => Promise<{ readonly image: string; readonly release?: ReleaseDeploy['release'] }> {
  const { service, image, release } = body
  if (image !== undefined && release === undefined) {
    parseImageRef(image)
    return async () => ({ image })
  }
  if (image !== undefined || release === undefined) {
    throw new UsageError(`POST ${route}: give exactly one of "image" and "release"`)
  }
  const selector = selectorOf(release)
  if (releases === undefined)
    throw new UsageError(`POST ${route}: this agent was started without a release source`)
  return () => releases(service, selector)
}
