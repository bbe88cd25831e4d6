import { assertServiceName } from '../../shared/service-name.ts'
import { configFileRegion } from '../config-file-region.ts'
import { parseEnvironment, resolveRegion } from '../options.ts'

/** The flags of a command about one service of one environment, reaching no instance (history, lock). */
export interface ServiceScopeFlags {
  readonly environment?: string
  readonly service: string
  readonly region?: string
}

export interface ServiceScope {
  readonly environment: string
  readonly service: string
  readonly region: string
}

/** Checks the environment, then the service, then finds the region, as every fleet command does. */
export async function serviceScope(flags: ServiceScopeFlags): Promise<ServiceScope> {
  const environment = parseEnvironment(flags.environment)
  const service = assertServiceName(flags.service)
  const region = resolveRegion(flags.region, process.env, await configFileRegion(flags.region, process.env))
  return { environment, service, region }
}
