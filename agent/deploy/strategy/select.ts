import type { ServiceConfig } from '../../../shared/agent-config/types.js'
import { blueGreen } from './blue-green.js'
import { recreate } from './recreate.js'
import type { Strategy } from './strategy.js'

/** The one place that reads `strategy` from a service's configuration. */
export function strategyOf(service: ServiceConfig): Strategy {
  return service.strategy === 'blue-green' ? blueGreen : recreate
}
