import type { ServiceConfig } from '../../../shared/agent-config/types.ts'
import { blueGreen } from './blue-green.ts'
import { recreate } from './recreate.ts'
import type { Strategy } from './strategy.ts'

/** The one place that reads `strategy` from a service's configuration. */
export function strategyOf(service: ServiceConfig): Strategy {
  return service.strategy === 'blue-green' ? blueGreen : recreate
}
