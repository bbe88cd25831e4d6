import { parseDocument } from 'yaml'
import type { z } from 'zod'
import { ConfigError } from '../errors.ts'
import { type AgentFile, agentFileSchema, NO_CHECK_TIMING, type ServiceFile } from './schema.ts'
import type { AgentConfig, HealthCheckConfig, ServiceAllowance, ServiceConfig } from './types.ts'

/*
 * The agent's configuration file, parsed: pure, so the agent (on every start and reload) and the
 * controller (`setup agents`, before anything is sent) check a file with the same code.
 */

/** Pure: the YAML text to a frozen configuration. `file` only names the source in messages. */
export function parseConfig(text: string, file: string, hostname: string): AgentConfig {
  const document = parseDocument(text, { prettyErrors: false })
  const [yamlError] = document.errors
  if (yamlError) throw new ConfigError(`${file}: invalid YAML: ${yamlError.message}`)
  let data: unknown
  try {
    data = document.toJS()
  } catch (error) {
    // The yaml library refuses alias bombs (and other unresolvable documents) here.
    throw new ConfigError(`${file}: invalid YAML: ${(error as Error).message}`)
  }
  const result = agentFileSchema.safeParse(data ?? {}, { reportInput: true })
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => `${file}: ${describeIssue(issue)}`).join('\n'))
  }
  return deepFreeze(toConfig(result.data, file, hostname))
}

function toConfig(data: AgentFile, file: string, hostname: string): AgentConfig {
  const services = Object.fromEntries(
    Object.entries(data.services).map(([name, service]) => [name, toService(name, service)]),
  )
  const agentId = data.agentId ?? hostname.toLowerCase().replace(/[^a-z0-9.-]/g, '-')
  return {
    file,
    agentId,
    ...(data.environment === undefined ? {} : { environment: data.environment }),
    services,
  }
}

function toService(name: string, s: ServiceFile): ServiceConfig {
  return {
    name,
    repository: s.repository,
    strategy: s.strategy,
    drainTimeoutSeconds: s.drainTimeout,
    ports: s.ports,
    env: s.env,
    envFromParameters: s.envFromParameters,
    volumes: s.volumes,
    ...(s.command === undefined ? {} : { command: s.command }),
    ...(s.user === undefined ? {} : { user: s.user }),
    restart: s.restart,
    labels: s.labels,
    ...(s.memory === undefined ? {} : { memoryBytes: s.memory }),
    ...(s.cpus === undefined ? {} : { cpus: s.cpus }),
    ...(s.network === undefined ? {} : { network: s.network }),
    init: s.init,
    stopTimeoutSeconds: s.stopTimeout,
    keepImages: s.keepImages,
    healthCheck: toHealthCheck(s.healthCheck),
    allow: toAllowance(s.allow),
  }
}

function toAllowance(allow: ServiceFile['allow']): ServiceAllowance {
  return {
    hostPorts: allow?.hostPorts ?? [],
    volumeRoots: allow?.volumeRoots ?? [],
    parameterPaths: allow?.parameterPaths ?? [],
    ...(allow?.maxMemory === undefined ? {} : { maxMemoryBytes: allow.maxMemory }),
    ...(allow?.maxCpus === undefined ? {} : { maxCpus: allow.maxCpus }),
  }
}

/** A health check as written (seconds) to what the agent runs (milliseconds, a probe kind). */
export function toHealthCheck(check: ServiceFile['healthCheck']): HealthCheckConfig {
  const { interval, timeout, startPeriod, retries } = check ?? NO_CHECK_TIMING
  const timing = {
    intervalMs: interval * 1000,
    timeoutMs: timeout * 1000,
    startPeriodMs: startPeriod * 1000,
    retries,
  }
  if (check?.http) return { probe: { kind: 'http', ...check.http }, ...timing }
  if (check?.tcp) return { probe: { kind: 'tcp', port: check.tcp.port }, ...timing }
  if (check?.docker) return { probe: { kind: 'docker' }, ...timing }
  return { probe: { kind: 'running' }, ...timing }
}

/** `services.web.ports[0]: expected ..., found "80"` */
export function describeIssue(issue: z.core.$ZodIssue): string {
  const path = formatPath(issue.path)
  const where = path === '' ? '' : `${path}: `
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((key) => `"${key}"`).join(', ')
    return `${where}unknown key ${keys}: remove it or check its spelling`
  }
  if (issue.code === 'invalid_key') {
    const [inner] = issue.issues
    return `${where}${inner?.message ?? 'expected a valid key'}, found ${render(issue.input)}`
  }
  // Whole objects make unreadable messages; the key path already says which one.
  const scalar = 'input' in issue && (issue.input === null || typeof issue.input !== 'object')
  const found = scalar ? `, found ${render(issue.input)}` : ''
  if (issue.code === 'invalid_type') {
    return issue.input === undefined
      ? `${where}is required (expected ${issue.expected})`
      : `${where}expected ${issue.expected}${found}`
  }
  const message = issue.message.startsWith('expected')
    ? issue.message
    : `expected ${lowerFirst(issue.message)}`
  return `${where}${message}${found}`
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, index) =>
      typeof part === 'number' ? `[${part}]` : index === 0 ? String(part) : `.${String(part)}`,
    )
    .join('')
}

function render(value: unknown): string {
  if (value === undefined) return 'nothing'
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 80 ? `${text.slice(0, 77)}...` : text
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1)
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const inner of Object.values(value)) deepFreeze(inner)
  }
  return value
}
