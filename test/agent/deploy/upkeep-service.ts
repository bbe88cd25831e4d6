import { parseConfig } from '../../../shared/agent-config/parse.js'
import type { ServiceConfig } from '../../../shared/agent-config/types.js'
import type { Harness } from '../../support/deploy-harness.js'

/** The harness's `web` service as the deployer sees it. */
export function serviceOf(h: Harness): ServiceConfig {
  const service = parseConfig(h.configYaml(), 'test', 'test').services.web
  if (!service) throw new Error('the harness configuration has no web service')
  return service
}
