import { isIPv4 } from 'node:net'
import { posix } from 'node:path'
import { z } from 'zod'
import { ENVIRONMENT_NAME_PATTERN } from '../environment-name.ts'
import { parseImageRef } from '../image-ref.ts'
import { SERVICE_NAME_PATTERN } from '../service-name.ts'

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
/** Docker refuses a memory limit below 6 MiB. */
const MIN_MEMORY_BYTES = 6 * 1024 ** 2
/** Object keys that a service name must not be, whatever the pattern allows. */
const RESERVED_NAMES = ['constructor', 'prototype', '__proto__']

/** A bounded number, refused with one message naming the range. */
function between(min: number, max: number, unit = '', integer = false) {
  const error = `expected between ${min} and ${max}${unit}`
  const base = integer ? z.number({ error }).int({ error }) : z.number({ error })
  return base.min(min, { error }).max(max, { error })
}
export const envName = z
  .string()
  .regex(ENV_NAME, { error: 'expected an environment variable name such as APP_MODE' })

export const portSchema = z
  .string({ error: 'expected "host:container" such as "8080:80"' })
  .regex(PORT, { error: 'expected "host:container" such as "8080:80"' })
  .transform((text, ctx) => {
    const [, hostIp, host = '', container = ''] = PORT.exec(text) ?? []
    if (hostIp !== undefined && !isIPv4(hostIp)) {
      ctx.addIssue({
        code: 'custom',
        message: 'expected a valid IPv4 address before the host port',
        input: text,
      })
      return z.NEVER
    }
    const hostPort = Number(host)
    const containerPort = Number(container)
    if (hostPort < 1 || hostPort > 65535 || containerPort < 1 || containerPort > 65535) {
      ctx.addIssue({ code: 'custom', message: 'expected ports between 1 and 65535', input: text })
      return z.NEVER
    }
    return { ...(hostIp === undefined ? {} : { hostIp }), hostPort, containerPort }
  })

export const volumeSchema = z
  .string({ error: 'expected "host:container[:ro]" with absolute paths' })
  .regex(VOLUME, { error: 'expected "host:container[:ro]" with absolute paths' })
  .transform((text) => {
    const [, hostPath = '', containerPath = '', mode] = VOLUME.exec(text) ?? []
    return { hostPath, containerPath, readOnly: mode === 'ro' }
  })

const MEMORY_EXPECTED = 'expected a size such as "512m", "1g" or a number of bytes'
export const memorySchema = z
  .union([z.number().int().positive(), z.string().regex(MEMORY, { error: MEMORY_EXPECTED })], {
    error: MEMORY_EXPECTED,
  })
  .transform((value, ctx) => {
    const [, amount = '0', unit = 'b'] = typeof value === 'number' ? [] : (MEMORY.exec(value) ?? [])
    const bytes = typeof value === 'number' ? value : Number(amount) * (UNITS[unit.toLowerCase()] ?? 1)
    if (bytes < MIN_MEMORY_BYTES) {
      ctx.addIssue({ code: 'custom', message: "expected at least 6 MiB (Docker's minimum)", input: value })
      return z.NEVER
    }
    return bytes
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

/** How often and how long a check probes; every default of a health check is here and only here. */
const timingShape = {
  interval: between(0.1, 3600, ' seconds').default(2),
  timeout: between(0.1, 300, ' seconds').default(2),
  startPeriod: between(0, 3600, ' seconds').default(5),
  retries: between(1, 100, '', true).default(3),
}

/** The timing of a service with no health check: it only has to stay up, and a short period keeps deploys fast. */
export const NO_CHECK_TIMING = Object.freeze({ ...z.strictObject(timingShape).parse({}), startPeriod: 2 })

export const probeSchema = z
  .strictObject({
    http: z
      .strictObject({
        path: z.string().regex(/^\/[^\s\p{Cc}]*$/u, {
          error: 'expected a URL path such as /health (no spaces or control characters)',
        }),
        port: portNumber,
        expectedStatus: z.number().int().min(100).max(599).default(200),
      })
      .optional(),
    tcp: z.strictObject({ port: portNumber }).optional(),
    docker: z.strictObject({}).optional(),
    ...timingShape,
  })
  .refine((check) => [check.http, check.tcp, check.docker].filter(Boolean).length === 1, {
    error: 'expected exactly one of http, tcp or docker',
  })

/** Release parameters live here; a release may never point a service's environment at them. */
const RELEASE_ROOT = '/ecr-deploy/'
const absolutePath = z
  .string({ error: 'expected an absolute path such as /srv/web' })
  .refine((path) => path.startsWith('/') && posix.normalize(path) === path && path !== '/', {
    error: 'expected an absolute, normalised path other than / (no "..", "." or "//")',
  })
const parameterPath = z
  .string({ error: 'expected a parameter path such as /app/prod/web/' })
  .regex(/^\/[A-Za-z0-9_.\-/]{0,1010}\/$/, {
    error: 'expected a parameter path that starts and ends with "/", such as /app/prod/web/',
  })
  .refine((path) => !`${path}`.startsWith(RELEASE_ROOT) && path !== '/', {
    error: `expected a path outside ${RELEASE_ROOT} (releases live there) and other than /`,
  })

/**
 * What a release's spec may ask for beyond the service's own entry (which is always allowed). Without
 * it, a release may bind only the entry's host ports, mount only its volumes, read only its parameters,
 * and ask at most its memory and cpus.
 */
const allowSchema = z.strictObject({
  hostPorts: z.array(between(1, 65535, '', true)).default([]),
  volumeRoots: z.array(absolutePath).default([]),
  parameterPaths: z.array(parameterPath).default([]),
  maxMemory: memorySchema.optional(),
  maxCpus: z
    .number({ error: 'expected a number above 0' })
    .positive({ error: 'expected a number above 0' })
    .optional(),
})

const serviceSchema = z.strictObject({
  repository: repositorySchema,
  strategy: z
    .enum(['recreate', 'blue-green'], { error: 'expected "recreate" or "blue-green"' })
    .default('recreate'),
  /** blue-green: how long connections to the old release may take to finish before it is stopped. */
  drainTimeout: between(0, 3600, ' seconds').default(30),
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
  cpus: z
    .number({ error: 'expected a number above 0' })
    .positive({ error: 'expected a number above 0' })
    .optional(),
  network: z.string().min(1).optional(),
  init: z.boolean().default(true),
  // Inside the daemon's 120 s stop grace, so that a deploy under way can finish its stop.
  stopTimeout: between(0, 100, ' seconds', true).default(10),
  keepImages: z.number().int().min(2).default(3),
  healthCheck: probeSchema.optional(),
  allow: allowSchema.optional(),
})

/** A blue-green service's public ports are held by the proxy, so there must be at least one. */
const checkedServiceSchema = serviceSchema
  .refine((service) => service.strategy !== 'blue-green' || service.ports.length > 0, {
    error: 'expected at least one port in "ports" with strategy blue-green (the proxy holds it)',
    path: ['ports'],
  })
  .superRefine((service, ctx) => {
    if (service.strategy !== 'blue-green') return
    // The proxy names a route by service and container port, so two public ports on one container port
    // would share a route and only one would be served.
    const first = new Map<number, number>()
    for (const [index, port] of service.ports.entries()) {
      const earlier = first.get(port.containerPort)
      if (earlier === undefined) {
        first.set(port.containerPort, index)
        continue
      }
      ctx.addIssue({
        code: 'custom',
        path: ['ports', index],
        message: `expected each public port on a container port of its own with strategy blue-green (ports[${earlier}] already maps container port ${port.containerPort})`,
        input: `${port.hostIp === undefined ? '' : `${port.hostIp}:`}${port.hostPort}:${port.containerPort}`,
      })
    }
  })

export const agentFileSchema = z
  .strictObject({
    agentId: z
      .string()
      .regex(AGENT_ID_PATTERN, { error: 'expected 1 to 63 lowercase letters, digits, "." or "-"' })
      .optional(),
    /** Names the release namespace, `/ecr-deploy/<environment>/<service>`; optional while migrating. */
    environment: z
      .string({ error: 'expected an environment name such as prod' })
      .regex(new RegExp(ENVIRONMENT_NAME_PATTERN), {
        error: 'expected 1 to 32 lowercase letters, digits or "-", starting with a letter or digit',
      })
      .optional(),
    services: z.record(
      z
        .string()
        .regex(new RegExp(SERVICE_NAME_PATTERN), {
          error: 'expected a service name of lowercase letters, digits and "-"',
        })
        .refine((name) => !RESERVED_NAMES.includes(name), {
          error: 'expected a service name other than "constructor", "prototype" or "__proto__"',
        }),
      checkedServiceSchema,
    ),
  })
  .superRefine((file, ctx) => {
    // Two services on one host port would fight over it at every deploy; only one can ever bind it.
    const taken: { host: string; port: number; where: string }[] = []
    for (const [name, service] of Object.entries(file.services)) {
      for (const [index, port] of service.ports.entries()) {
        const host = port.hostIp ?? '0.0.0.0'
        const clash = taken.find(
          (other) =>
            other.port === port.hostPort &&
            (other.host === host || other.host === '0.0.0.0' || host === '0.0.0.0'),
        )
        if (clash) {
          ctx.addIssue({
            code: 'custom',
            path: ['services', name, 'ports', index],
            message: `expected a host port no other service binds (${clash.where} binds ${clash.host}:${clash.port})`,
            input: `${host}:${port.hostPort}`,
          })
        }
        taken.push({ host, port: port.hostPort, where: `services.${name}.ports[${index}]` })
      }
    }
    // A port a release may bind must not be one another service binds, or may be allowed to bind.
    const allowed: { port: number; where: string }[] = []
    for (const [name, service] of Object.entries(file.services)) {
      for (const [index, port] of (service.allow?.hostPorts ?? []).entries()) {
        const other = (where: string) => !where.startsWith(`services.${name}.`)
        const bound = taken.find((entry) => entry.port === port && other(entry.where))
        const shared = allowed.find((entry) => entry.port === port && other(entry.where))
        if (bound || shared) {
          ctx.addIssue({
            code: 'custom',
            path: ['services', name, 'allow', 'hostPorts', index],
            message: bound
              ? `expected a host port no other service binds (${bound.where} binds ${bound.host}:${bound.port})`
              : `expected a host port no other service may bind (${shared?.where} allows ${port})`,
            input: port,
          })
        }
        allowed.push({ port, where: `services.${name}.allow.hostPorts[${index}]` })
      }
    }
  })

export type AgentFile = z.output<typeof agentFileSchema>
export type ServiceFile = z.output<typeof serviceSchema>
