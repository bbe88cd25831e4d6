import { RELEASE_ID_PATTERN } from '../../shared/agent-contract.ts'
import { SERVICE_NAME_PATTERN } from '../../shared/service-name.ts'

const service = { type: 'string', pattern: SERVICE_NAME_PATTERN } as const

/**
 * POST /deploy: an image, or a release selector (`/ecr-deploy/prod/web:7`). Both are parsed further by the
 * route (parseImageRef, parseReleaseSelector) to name the bad part.
 */
export const deployBodySchema = Object.freeze({
  type: 'object',
  additionalProperties: false,
  required: ['service'],
  properties: {
    service,
    image: { type: 'string', minLength: 1, maxLength: 1024 },
    release: { type: 'string', minLength: 1, maxLength: 1100 },
    wait: { type: 'boolean' },
  },
})

export interface DeployBody {
  readonly service: string
  readonly image?: string
  readonly release?: string
  readonly wait?: boolean
}

/** POST /pull: what a deploy names, pulled only. */
export const pullBodySchema = Object.freeze({
  type: 'object',
  additionalProperties: false,
  required: ['service'],
  properties: {
    service,
    image: deployBodySchema.properties.image,
    release: deployBodySchema.properties.release,
  },
})

export interface PullBody {
  readonly service: string
  readonly image?: string
  readonly release?: string
}

/** POST /rollback */
export const rollbackBodySchema = Object.freeze({
  type: 'object',
  additionalProperties: false,
  required: ['service'],
  properties: { service, to: { type: 'string', pattern: RELEASE_ID_PATTERN } },
})

export interface RollbackBody {
  readonly service: string
  readonly to?: string
}

/** POST /retire: a service taken out of the configuration. */
export const retireBodySchema = Object.freeze({
  type: 'object',
  additionalProperties: false,
  required: ['service'],
  properties: { service },
})

export interface RetireBody {
  readonly service: string
}

/** GET /services?service=NAME */
export const servicesQuerySchema = Object.freeze({
  type: 'object',
  additionalProperties: false,
  properties: { service },
})

/** GET /services/:name/history */
export const serviceParamsSchema = Object.freeze({
  type: 'object',
  required: ['name'],
  properties: { name: service },
})
