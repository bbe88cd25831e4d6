import { RELEASE_ID_PATTERN } from '../../shared/agent-contract.ts'
import { SERVICE_NAME_PATTERN } from '../../shared/service-name.ts'

const service = { type: 'string', pattern: SERVICE_NAME_PATTERN } as const

/** POST /deploy. The image is parsed further by the route (parseImageRef) to name the bad part. */
export const deployBodySchema = Object.freeze({
  type: 'object',
  additionalProperties: false,
  required: ['service', 'image'],
  properties: {
    service,
    image: { type: 'string', minLength: 1, maxLength: 1024 },
    wait: { type: 'boolean' },
  },
})

export interface DeployBody {
  readonly service: string
  readonly image: string
  readonly wait?: boolean
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
