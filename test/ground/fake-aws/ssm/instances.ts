import { maxResults, paginate } from '../pagination.ts'
import { AwsError, epochSeconds, optionalString } from '../protocol.ts'
import type { JsonOperations } from '../server.ts'
import type { Platform } from './precondition.ts'

/** How SSM ends an invocation it could not deliver (set through `aws.faults.failDelivery`). */
export type DeliveryFailure = 'Undeliverable' | 'Invalid Platform' | 'Access Denied'

/** A simulated managed instance. Its own env lets several agents share one host in tests. */
export interface InstanceSpec {
  readonly id: string
  readonly tags?: Record<string, string>
  /** Whether the SSM agent is connected; offline instances do not receive commands. Default true. */
  readonly online?: boolean
  /** Extra environment for scripts run "on" this instance. */
  readonly env?: Record<string, string>
  /** What DescribeInstanceInformation reports and step preconditions test. Default Linux. */
  readonly platform?: Platform
  /**
   * The SSM Agent version it reports. Agents before 3.3.2746.0 ignore `interpolationType: ENV_VAR`: they
   * set no `SSM_<name>` variables. Default a recent one.
   */
  readonly agentVersion?: string
}

/** A registered instance as the fake keeps it. */
export interface Instance {
  readonly id: string
  readonly tags: Record<string, string>
  readonly env: Record<string, string>
  readonly platform: Platform
  readonly agentVersion: string
  online: boolean
  /** Set by a fault: invocations for this instance end with this status instead of running. */
  deliveryFailure?: DeliveryFailure
  lastPing: number
}

/** Whether the agent sets `SSM_<name>` variables for ENV_VAR parameters (3.3.2746.0 and later). */
export function interpolatesEnvVars(instance: Instance): boolean {
  const [major = 0, minor = 0, build = 0] = instance.agentVersion.split('.').map(Number)
  return major !== 3 ? major > 3 : minor !== 3 ? minor > 3 : build >= 2746
}

interface Filter {
  Key?: string | undefined
  Values?: string[] | undefined
}

/** The managed instances and their connection state. */
export class Instances {
  readonly #instances = new Map<string, Instance>()
  readonly #waiters = new Set<() => void>()

  private readonly now: () => number

  constructor(now: () => number) {
    this.now = now
  }

  add(spec: InstanceSpec): void {
    if (!/^(i-(\w{8}|\w{17})|mi-\w{17})$/.test(spec.id)) {
      throw new Error(`instance id ${spec.id} must look like i-0123456789abcdef0`)
    }
    this.#instances.set(spec.id, {
      id: spec.id,
      tags: { ...spec.tags },
      env: { ...spec.env },
      platform: spec.platform ?? 'Linux',
      agentVersion: spec.agentVersion ?? '3.3.3050.0',
      online: spec.online ?? true,
      lastPing: this.now(),
    })
  }

  get(id: string): Instance | undefined {
    return this.#instances.get(id)
  }

  list(): Instance[] {
    return [...this.#instances.values()]
  }

  setOnline(id: string, online: boolean): void {
    const instance = this.#instances.get(id)
    if (instance === undefined) throw new Error(`no simulated instance ${id}`)
    instance.online = online
    if (online) instance.lastPing = this.now()
    for (const wake of this.#waiters) wake()
  }

  setDeliveryFailure(id: string, failure: DeliveryFailure | undefined): void {
    const instance = this.#instances.get(id)
    if (instance === undefined) throw new Error(`no simulated instance ${id}`)
    if (failure === undefined) delete instance.deliveryFailure
    else instance.deliveryFailure = failure
  }

  /** Resolves true once the instance is online, or false when `timeoutMs` passes or `signal` aborts first. */
  waitOnline(id: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      const settle = (online: boolean): void => {
        this.#waiters.delete(wake)
        clearTimeout(timer)
        signal?.removeEventListener('abort', stop)
        resolve(online)
      }
      const wake = (): void => {
        if (this.#instances.get(id)?.online) settle(true)
      }
      const stop = (): void => settle(false)
      const timer = setTimeout(stop, timeoutMs)
      signal?.addEventListener('abort', stop, { once: true })
      this.#waiters.add(wake)
      if (signal?.aborted) stop()
      else wake()
    })
  }

  /** Instances a SendCommand `Targets` entry selects: `tag:<key>`, `tag-key` or `InstanceIds`. */
  matchTarget(key: string, values: readonly string[]): Instance[] {
    return this.list().filter((instance) => {
      if (key === 'InstanceIds') return values.includes(instance.id)
      if (key === 'tag-key') return values.some((value) => value in instance.tags)
      if (key.startsWith('tag:')) {
        const tag = instance.tags[key.slice(4)]
        return tag !== undefined && values.includes(tag)
      }
      throw new AwsError('InvalidTarget', `Target key ${key} is not supported by the fake`)
    })
  }

  readonly operations: JsonOperations = {
    DescribeInstanceInformation: (input) => {
      const filters = [
        ...((input.Filters as Filter[] | undefined) ?? []),
        ...(
          (input.InstanceInformationFilterList as { key?: string; valueSet?: string[] }[] | undefined) ?? []
        ).map((f) => ({ Key: f.key, Values: f.valueSet })),
      ]
      const selected = this.list().filter((instance) =>
        filters.every((filter) => matchesFilter(instance, filter)),
      )
      const page = paginate(selected, maxResults(input, 5, 50), optionalString(input, 'NextToken'), 50)
      return {
        InstanceInformationList: page.items.map((instance) => ({
          InstanceId: instance.id,
          PingStatus: instance.online ? 'Online' : 'ConnectionLost',
          LastPingDateTime: epochSeconds(instance.lastPing),
          AgentVersion: instance.agentVersion,
          IsLatestVersion: true,
          PlatformType: instance.platform,
          ...PLATFORM_NAMES[instance.platform],
          ResourceType: 'EC2Instance',
          IPAddress: '127.0.0.1',
          ComputerName: `${instance.id}.local`,
        })),
        ...(page.nextToken === undefined ? {} : { NextToken: page.nextToken }),
      }
    },
  }
}

const PLATFORM_NAMES: Record<Platform, { PlatformName: string; PlatformVersion: string }> = {
  Linux: { PlatformName: 'Debian GNU/Linux', PlatformVersion: '12' },
  Windows: { PlatformName: 'Microsoft Windows Server 2022 Datacenter', PlatformVersion: '10.0.20348' },
  MacOS: { PlatformName: 'macOS', PlatformVersion: '14.4' },
}

function matchesFilter(instance: Instance, filter: Filter): boolean {
  const values = filter.Values ?? []
  const key = filter.Key ?? ''
  if (key === 'InstanceIds') return values.includes(instance.id)
  if (key === 'PingStatus') return values.includes(instance.online ? 'Online' : 'ConnectionLost')
  if (key === 'ResourceType') return values.includes('EC2Instance')
  if (key === 'PlatformTypes') return values.includes(instance.platform)
  if (key === 'tag-key') return values.some((value) => value in instance.tags)
  if (key.startsWith('tag:')) {
    const tag = instance.tags[key.slice(4)]
    return tag !== undefined && values.includes(tag)
  }
  throw new AwsError(
    'InvalidInstanceInformationFilterValue',
    `Filter key ${key} is not supported by the fake`,
  )
}
