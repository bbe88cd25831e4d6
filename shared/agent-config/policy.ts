import { PolicyRefusedError, ReleaseInvalidError } from '../errors.ts'
import { parseImageRef, repositoryUri } from '../image-ref.ts'
import { RELEASE_PARAMETER_ROOT, type ReleaseSpec } from '../release.ts'
import { toHealthCheck } from './parse.ts'
import type { PortMapping, ServiceConfig, VolumeMount } from './types.ts'

/*
 * The instance's file is policy. A release's spec overrides the service's entry key by key, and may ask
 * for no more than the entry itself has plus what its `allow:` block widens: host ports, volume roots,
 * parameter paths, memory and cpus. The repository is always the file's. Pure, so the controller can
 * check a spec against an agent.yaml with the same code.
 */

/** What is asked: one release's image and spec, and how to name it in messages. */
export interface ReleaseAsked {
  /** Names the release in messages: `release /ecr-deploy/prod/web:7`. */
  readonly source: string
  readonly image: string
  readonly spec: ReleaseSpec
}

/**
 * The service as the release runs it: the file's entry with the spec's keys in place of its own.
 * Throws PolicyRefusedError naming every key that asks for more than `file` allows, or
 * ReleaseInvalidError when the result is not a service that can run; nothing has changed then.
 */
export function effectiveService(service: ServiceConfig, file: string, asked: ReleaseAsked): ServiceConfig {
  const problems = policyProblems(service, file, asked)
  if (problems.length > 0) {
    throw new PolicyRefusedError(`${asked.source}: ${problems.join('; ')}; nothing was changed`)
  }
  const { spec } = asked
  const merged: ServiceConfig = {
    ...service,
    ...(spec.command === undefined ? {} : { command: spec.command }),
    ...(spec.env === undefined ? {} : { env: spec.env }),
    ...(spec.envFromParameters === undefined ? {} : { envFromParameters: spec.envFromParameters }),
    ...(spec.healthCheck === undefined ? {} : { healthCheck: toHealthCheck(spec.healthCheck) }),
    ...(spec.ports === undefined ? {} : { ports: spec.ports }),
    ...(spec.volumes === undefined ? {} : { volumes: spec.volumes }),
    ...(spec.strategy === undefined ? {} : { strategy: spec.strategy }),
    ...(spec.memory === undefined ? {} : { memoryBytes: spec.memory }),
    ...(spec.cpus === undefined ? {} : { cpus: spec.cpus }),
  }
  if (merged.strategy === 'blue-green' && merged.ports.length === 0) {
    throw new ReleaseInvalidError(
      `${asked.source}: spec.strategy: blue-green needs at least one port (the proxy holds it), and neither the release nor ${file} gives service "${service.name}" one; nothing was changed`,
    )
  }
  return merged
}

/** Every key of the release that asks for more than the file allows, as `key: what is wrong`. */
export function policyProblems(service: ServiceConfig, file: string, asked: ReleaseAsked): string[] {
  const { spec } = asked
  const problems: string[] = []
  const outside = `is outside what ${file} allows for service "${service.name}"`
  const at = `services.${service.name}.allow`
  if (repositoryOf(asked.image) !== service.repository) {
    problems.push(
      `image: ${asked.image} is not from ${service.repository}, the repository ${file} configures for service "${service.name}" (a release never chooses it)`,
    )
  }
  for (const [index, port] of (spec.ports ?? []).entries()) {
    if (portAllowed(service, port)) continue
    problems.push(
      `spec.ports[${index}]: host port ${portText(port)} ${outside} (${listed(allowedPorts(service))}); add ${port.hostPort} to ${at}.hostPorts to allow it`,
    )
  }
  for (const [index, volume] of (spec.volumes ?? []).entries()) {
    if (volumeAllowed(service, volume)) continue
    problems.push(
      `spec.volumes[${index}]: host path ${volume.hostPath}${volume.readOnly ? ' (ro)' : ''} ${outside} (${listed(allowedVolumes(service))}); add a root to ${at}.volumeRoots to allow it`,
    )
  }
  for (const [name, parameter] of Object.entries(spec.envFromParameters ?? {})) {
    const problem = parameterProblem(service, parameter, outside, at)
    if (problem !== undefined) problems.push(`spec.envFromParameters.${name}: ${problem}`)
  }
  const memoryLimit = service.allow.maxMemoryBytes ?? service.memoryBytes
  if (spec.memory !== undefined && memoryLimit !== undefined && spec.memory > memoryLimit) {
    problems.push(
      `spec.memory: ${bytesText(spec.memory)} ${outside} (at most ${bytesText(memoryLimit)}); raise ${at}.maxMemory to allow it`,
    )
  }
  const cpuLimit = service.allow.maxCpus ?? service.cpus
  if (spec.cpus !== undefined && cpuLimit !== undefined && spec.cpus > cpuLimit) {
    problems.push(`spec.cpus: ${spec.cpus} ${outside} (at most ${cpuLimit}); raise ${at}.maxCpus to allow it`)
  }
  return problems
}

function repositoryOf(image: string): string | undefined {
  try {
    return repositoryUri(parseImageRef(image))
  } catch {
    return undefined
  }
}

/** A port of the entry, on the same address; or a host port the allow block lists, on any address. */
function portAllowed(service: ServiceConfig, port: PortMapping): boolean {
  if (service.allow.hostPorts.includes(port.hostPort)) return true
  return service.ports.some((own) => own.hostPort === port.hostPort && own.hostIp === port.hostIp)
}

function allowedPorts(service: ServiceConfig): string[] {
  return [...service.ports.map(portText), ...service.allow.hostPorts.map(String)]
}

function portText(port: PortMapping): string {
  return port.hostIp === undefined ? String(port.hostPort) : `${port.hostIp}:${port.hostPort}`
}

/** A volume of the entry (read-only stays read-only), or a path at or below a listed root. */
function volumeAllowed(service: ServiceConfig, volume: VolumeMount): boolean {
  const own = service.volumes.some(
    (entry) => entry.hostPath === volume.hostPath && (volume.readOnly || !entry.readOnly),
  )
  if (own) return true
  if (!normalised(volume.hostPath)) return false
  return service.allow.volumeRoots.some(
    (root) => volume.hostPath === root || volume.hostPath.startsWith(`${root}/`),
  )
}

function allowedVolumes(service: ServiceConfig): string[] {
  return [
    ...service.volumes.map((v) => `${v.hostPath}${v.readOnly ? ' (ro)' : ''}`),
    ...service.allow.volumeRoots.map((root) => `${root}/...`),
  ]
}

function parameterProblem(
  service: ServiceConfig,
  parameter: string,
  outside: string,
  at: string,
): string | undefined {
  if (parameter.startsWith(`${RELEASE_PARAMETER_ROOT}/`)) {
    return `parameter ${parameter} is under ${RELEASE_PARAMETER_ROOT}/, where releases live; a release may never read it`
  }
  if (Object.values(service.envFromParameters).includes(parameter)) return undefined
  const under = service.allow.parameterPaths.some((path) => parameter.startsWith(path))
  if (under && normalised(parameter)) return undefined
  const allowed = [
    ...Object.values(service.envFromParameters),
    ...service.allow.parameterPaths.map((path) => `${path}...`),
  ]
  return `parameter ${parameter} ${outside} (${listed(allowed)}); add a path to ${at}.parameterPaths to allow it`
}

/** No `.` or `..` segment and no empty one: a prefix check on anything else could be walked out of. */
function normalised(path: string): boolean {
  return path.split('/').every((segment, index) => index === 0 || !['', '.', '..'].includes(segment))
}

function listed(items: readonly string[]): string {
  return items.length === 0 ? 'it allows none' : `it allows ${items.join(', ')}`
}

function bytesText(bytes: number): string {
  for (const [unit, size] of [
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
  ] as const) {
    if (bytes % size === 0) return `${bytes / size} ${unit}`
  }
  return `${bytes} bytes`
}
