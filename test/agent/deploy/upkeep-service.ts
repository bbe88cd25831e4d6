import { parseConfig } from '../../../shared/agent-config/parse.ts'
import type { ServiceConfig } from '../../../shared/agent-config/types.ts'
import type { Harness } from '../../support/deploy-harness.ts'

/** The harness's `web` service as the deployer sees it. */
export function serviceOf(h: Harness): ServiceConfig {
  const service = parseConfig(h.configYaml(), 'test', 'test').services.web
  if (!service) throw new Error('the harness configuration has no web service')
  return service
}
