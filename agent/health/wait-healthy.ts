import type { HealthCheckConfig, HealthProbe } from '../../shared/agent-config/types.ts'
import type { ContainerInfo } from '../docker/engine.ts'
import type { Clock } from './clock.ts'
import type { ProbeResult, Probes } from './probes.ts'

export type HealthVerdict =
  | { readonly healthy: true; readonly checks: number; readonly detail: string }
  | { readonly healthy: false; readonly checks: number; readonly reason: string }

export interface WaitHealthyInput {
  readonly check: HealthCheckConfig
  /** The container's current state; null once it is gone. */
  readonly inspect: () => Promise<ContainerInfo | null>
  readonly probes: Probes
  readonly clock: Clock
  readonly onCheck?: (result: ProbeResult) => void
}

/**
 * Probes a freshly started container until it passes or fails. Failures during the start period do
 * not count; `retries` consecutive failures after it do. A container that exits or restarts fails
 * at once: waiting out the deadline would only delay the rollback.
 */
export async function waitHealthy(input: WaitHealthyInput): Promise<HealthVerdict> {
  const { check, clock } = input
  const start = clock.now()
  const deadline = start + check.startPeriodMs + (check.retries + 1) * (check.intervalMs + check.timeoutMs)
  let failures = 0
  let checks = 0
  for (;;) {
    const info = await input.inspect()
    checks += 1
    if (info === null) return { healthy: false, checks, reason: 'the container disappeared' }
    if (!info.running) {
      return {
        healthy: false,
        checks,
        reason: `the container exited with code ${info.exitCode} (${info.state})`,
      }
    }
    // Docker resets the exit code once it restarts the container, so the restart count is the evidence.
    if (info.restartCount > 0) {
      return {
        healthy: false,
        checks,
        reason: `the container keeps exiting (Docker restarted it ${info.restartCount} time(s))`,
      }
    }
    const result = await probeOnce(check, info, input.probes)
    input.onCheck?.(result)
    const elapsed = clock.now() - start
    if (result.ok && (check.probe.kind !== 'running' || elapsed >= check.startPeriodMs)) {
      return { healthy: true, checks, detail: result.detail }
    }
    if (!result.ok) {
      if (check.probe.kind === 'docker' && info.health !== 'starting')
        return { healthy: false, checks, reason: result.detail }
      if (elapsed >= check.startPeriodMs) failures += 1
      if (failures >= check.retries) {
        return {
          healthy: false,
          checks,
          reason: `${result.detail} (${failures} failed checks after the start period)`,
        }
      }
    }
    if (clock.now() >= deadline) {
      return {
        healthy: false,
        checks,
        reason: `not healthy within ${Math.round((deadline - start) / 1000)} s: ${result.detail}`,
      }
    }
    await clock.sleep(check.intervalMs)
  }
}

/** One probe of a running container, as the health check is configured. */
export async function probeOnce(
  check: HealthCheckConfig,
  info: ContainerInfo,
  probes: Probes,
): Promise<ProbeResult> {
  const probe: HealthProbe = check.probe
  switch (probe.kind) {
    case 'running':
      return { ok: true, detail: 'the container is running' }
    case 'docker':
      if (info.health === 'healthy') return { ok: true, detail: 'Docker reports the container healthy' }
      if (info.health === 'none') {
        return {
          ok: false,
          detail: 'the image defines no HEALTHCHECK; configure an http or tcp health check instead',
        }
      }
      return { ok: false, detail: `Docker reports the container ${info.health}` }
    case 'http': {
      const target = addressOf(info, probe.port)
      if (target === null) return { ok: false, detail: noAddress(probe.port) }
      return probes.http(target.host, target.port, probe.path, probe.expectedStatus, check.timeoutMs)
    }
    case 'tcp': {
      const target = addressOf(info, probe.port)
      if (target === null) return { ok: false, detail: noAddress(probe.port) }
      return probes.tcp(target.host, target.port, check.timeoutMs)
    }
  }
}

/** The published host port on loopback when there is one, else the container's own address. */
export function addressOf(info: ContainerInfo, containerPort: number): { host: string; port: number } | null {
  const published = info.ports.find((p) => p.containerPort === containerPort && p.hostPort > 0)
  if (published) {
    const any = published.hostIp === '' || published.hostIp === '0.0.0.0' || published.hostIp === '::'
    return { host: any ? '127.0.0.1' : published.hostIp, port: published.hostPort }
  }
  return info.ipAddress ? { host: info.ipAddress, port: containerPort } : null
}

function noAddress(port: number): string {
  return `container port ${port} is neither published nor reachable on a container address`
}
