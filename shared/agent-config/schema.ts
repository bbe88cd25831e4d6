import { z } from 'zod'
import { parseImageRef } from '../image-ref.js'
import { SERVICE_NAME_PATTERN } from '../service-name.js'

/**
 * The YAML file format. Every object is strict (an unknown key is an error, not silently ignored),
 * and every custom message starts with "expected ..." because the loader appends what it found.
 */

export const AGENT_ID_PATTERN = /^[a-z0-9][a-z0-9.-]{0,62}$/
const PORT = /^(?:(\d{1,3}(?:\.\d{1,3}){3}):)?(\d{1,5}):(\d{1,5})$/
const VOLUME = /^(\/[^:]*):(\/[^:]*)(?::(ro|rw))?$/
const MEMORY = /^(\d+)([bkmg])?$/i
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
const UNITS: Record<string, number> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }

const portNumber = z.number().int().min(1).max(65535)
const seconds = z.number().positive()
const envName = z
  .string()
  .regex(ENV_NAME, { error: 'expected an environment variable name such as APP_MODE' })

const portSchema = z
  .string({ error: 'expected "host:container" such as "8080:80"' })
  .regex(PORT, { error: 'expected "host:container" such as "8080:80"' })
  .transform((text, ctx) => {
    const [, hostIp, host = '', container = ''] = PORT.exec(text) ?? []
    const hostPort = Number(host)
    const containerPort = Number(container)
    if (hostPort < 1 || hostPort > 65535 || containerPort < 1 || containerPort > 65535) {
      ctx.addIssue({ code: 'custom', message: 'expected ports between 1 and 65535', input: text })
      return z.NEVER
    }
    return { ...(hostIp === undefined ? {} : { hostIp }), hostPort, containerPort }
  })

const volumeSchema = z
  .string({ error: 'expected "host:container[:ro]" with absolute paths' })
  .regex(VOLUME, { error: 'expected "host:container[:ro]" with absolute paths' })
  .transform((text) => {
    const [, hostPath = '', containerPath = '', mode] = VOLUME.exec(text) ?? []
    return { hostPath, containerPath, readOnly: mode === 'ro' }
  })

const MEMORY_EXPECTED = 'expected a size such as "512m", "1g" or a number of bytes'
const memorySchema = z
  .union([z.number().int().positive(), z.string().regex(MEMORY, { error: MEMORY_EXPECTED })], {
    error: MEMORY_EXPECTED,
  })
  .transform((value) => {
    if (typeof value === 'number') return value
    const [, amount = '0', unit = 'b'] = MEMORY.exec(value) ?? []
    return Number(amount) * (UNITS[unit.toLowerCase()] ?? 1)
  })

const repositorySchema = z.string().refine(
  (text) => {
    if (/[:@]/.test(text)) return false
    try {
      parseImageRef(`${text}:probe`)
      return true
    } catch {
      return false
    }
  },
  {
    error: 'expected an ECR repository URI such as 123456789012.dkr.ecr.us-east-1.amazonaws.com/web (no tag)',
  },
)

const probeSchema = z
  .strictObject({
    http: z
      .strictObject({
        path: z.string().startsWith('/', { error: 'expected a path starting with "/"' }),
        port: portNumber,
        expectedStatus: z.number().int().min(100).max(599).default(200),
      })
      .optional(),
    tcp: z.strictObject({ port: portNumber }).optional(),
    docker: z.strictObject({}).optional(),
    interval: seconds.default(2),
    timeout: seconds.default(2),
    startPeriod: z.number().min(0).default(5),
    retries: z.number().int().min(1).default(3),
  })
  .refine((check) => [check.http, check.tcp, check.docker].filter(Boolean).length === 1, {
    error: 'expected exactly one of http, tcp or docker',
  })

const serviceSchema = z.strictObject({
  repository: repositorySchema,
  strategy: z
    .enum(['recreate', 'blue-green'], { error: 'expected "recreate" or "blue-green"' })
    .default('recreate'),
  /** blue-green: how long connections to the old release may take to finish before it is stopped. */
  drainTimeout: z.number().min(0).default(30),
  ports: z.array(portSchema).default([]),
  env: z.record(envName, z.union([z.string(), z.number(), z.boolean()]).transform(String)).default({}),
  envFromParameters: z.record(envName, z.string().min(1)).default({}),
  volumes: z.array(volumeSchema).default([]),
  command: z.array(z.string()).min(1).optional(),
  user: z.string().min(1).optional(),
  restart: z
    .enum(['no', 'on-failure', 'always', 'unless-stopped'], {
      error: 'expected one of no, on-failure, always, unless-stopped',
    })
    .default('unless-stopped'),
  labels: z.record(z.string(), z.string()).default({}),
  memory: memorySchema.optional(),
  cpus: z.number().positive().optional(),
  network: z.string().min(1).optional(),
  init: z.boolean().default(true),
  stopTimeout: z.number().int().min(0).default(10),
  keepImages: z.number().int().min(2).default(3),
  healthCheck: probeSchema.optional(),
})

/** A blue-green service's public ports are held by the proxy, so there must be at least one. */
const checkedServiceSchema = serviceSchema.refine(
  (service) => service.strategy !== 'blue-green' || service.ports.length > 0,
  {
    error: 'expected at least one port in "ports" with strategy blue-green (the proxy holds it)',
    path: ['ports'],
  },
)

export const agentFileSchema = z.strictObject({
  agentId: z
    .string()
    .regex(AGENT_ID_PATTERN, { error: 'expected 1 to 63 lowercase letters, digits, "." or "-"' })
    .optional(),
  services: z.record(
    z.string().regex(new RegExp(SERVICE_NAME_PATTERN), {
      error: 'expected a service name of lowercase letters, digits and "-"',
    }),
    checkedServiceSchema,
  ),
})

export type AgentFile = z.output<typeof agentFileSchema>
export type ServiceFile = z.output<typeof serviceSchema>
