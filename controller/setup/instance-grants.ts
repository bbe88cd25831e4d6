import { parseConfig } from '../../shared/agent-config/parse.js'
import { UsageError } from '../../shared/errors.js'
import { partitionOf } from '../../shared/partition.js'
import { RELEASE_PARAMETER_ROOT } from '../../shared/release.js'
import type { InstanceGrants } from './iam.js'

/** The instance-role flags of `setup iam` and `setup cloudformation`, as commander gives them. */
export interface InstanceGrantFlags {
  readonly parameterPath?: readonly string[]
  readonly kmsKey?: readonly string[]
  readonly ssmManagedInstanceCore?: boolean
}

/** An agent.yaml handed in by `--agent-config`: its text and where it came from, for messages. */
export interface AgentConfigSource {
  readonly text: string
  readonly file: string
}

const PATH = /^(?:\/[A-Za-z0-9_.-]+)+\/$/
const KEY_ARN = /^arn:(aws|aws-cn|aws-us-gov):kms:([a-z0-9-]+):(\d{12}):key\/[A-Za-z0-9-]{1,128}$/
const RELEASES = `${RELEASE_PARAMETER_ROOT}/`

/**
 * What the instance role may read besides its environment's releases: the paths given, and the parameters
 * the agent's file names in `envFromParameters` (parsed with the agent's own parser, so a file the agent
 * would refuse is refused here). Nothing under /ecr-deploy/: that prefix holds releases, never secrets.
 */
export function parseInstanceGrants(
  flags: InstanceGrantFlags,
  region: string,
  agentConfig?: AgentConfigSource,
): InstanceGrants {
  const parameterPaths = unique(flags.parameterPath ?? [])
  for (const path of parameterPaths) {
    if (!PATH.test(path))
      throw new UsageError(
        `--parameter-path: "${path}" is not a Parameter Store path such as /app/prod/web/ (it starts and ends with /)`,
      )
    if (isRelease(path))
      throw new UsageError(
        `--parameter-path: "${path}" is under ${RELEASES}, which holds releases, not service parameters: keep secrets elsewhere, e.g. /app/prod/web/`,
      )
  }
  const parameterNames = unique(agentConfig === undefined ? [] : namesIn(agentConfig))
  const kmsKeys = unique(flags.kmsKey ?? [])
  for (const key of kmsKeys) checkKey(key, region)
  return {
    parameterPaths,
    parameterNames,
    kmsKeys,
    managedInstanceCore: flags.ssmManagedInstanceCore === true,
  }
}

function namesIn(source: AgentConfigSource): string[] {
  const config = parseConfig(source.text, source.file, 'setup-iam')
  const names: string[] = []
  for (const [service, settings] of Object.entries(config.services)) {
    for (const [variable, name] of Object.entries(settings.envFromParameters)) {
      if (isRelease(name))
        throw new UsageError(
          `${source.file}: services.${service}.envFromParameters.${variable}: "${name}" is under ${RELEASES}, which holds releases: move the parameter outside it (e.g. /app/<environment>/${service}/...) and name the new one`,
        )
      names.push(name)
    }
  }
  return names
}

/** A name, or an ARN's parameter name, at or under /ecr-deploy/. */
function isRelease(name: string): boolean {
  const bare = name.startsWith('arn:') ? name.replace(/^arn:[^:]*:ssm:[^:]*:[^:]*:parameter/, '') : name
  const absolute = bare.startsWith('/') ? bare : `/${bare}`
  return absolute === RELEASE_PARAMETER_ROOT || absolute.startsWith(RELEASES)
}

function checkKey(key: string, region: string): void {
  const match = KEY_ARN.exec(key)
  if (!match)
    throw new UsageError(
      `--kms-key: "${key}" is not a KMS key ARN such as arn:aws:kms:${region}:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab (an alias does not authorize kms:Decrypt)`,
    )
  if (match[1] !== partitionOf(region) || match[2] !== region)
    throw new UsageError(
      `--kms-key: "${key}" is not in ${region}: Parameter Store in ${region} encrypts with keys of that region`,
    )
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)]
}
