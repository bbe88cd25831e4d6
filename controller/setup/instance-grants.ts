import { parseConfig } from '../../shared/agent-config/parse.ts'
import { UsageError } from '../../shared/errors.ts'
import { partitionOf } from '../../shared/partition.ts'
import { RELEASE_PARAMETER_ROOT } from '../../shared/release.ts'
import type { InstanceGrants } from './iam.ts'
import { checkCachePrefix } from './pull-through-cache.ts'

/** The instance-role flags of `setup iam` and `setup cloudformation`, as commander gives them. */
export interface InstanceGrantFlags {
  readonly parameterPath?: readonly string[]
  readonly kmsKey?: readonly string[]
  readonly ssmManagedInstanceCore?: boolean
  readonly pullThroughCache?: readonly string[]
}

/** An agent.yaml handed in by `--agent-config`: its text and where it came from, for messages. */
export interface AgentConfigSource {
  readonly text: string
  readonly file: string
}

/** What the instance role takes from a parsed agent.yaml (a structural part of its AgentConfig). */
export interface FileGrants {
  /** The release namespace the file names, when it names one. */
  readonly environment?: string
  readonly services: Readonly<
    Record<
      string,
      {
        readonly envFromParameters: Readonly<Record<string, string>>
        /** The paths below which a release's spec may name parameters. */
        readonly allow?: { readonly parameterPaths: readonly string[] }
      }
    >
  >
}

const PATH = /^(?:\/[A-Za-z0-9_.-]+)+\/$/
const KEY_ARN = /^arn:(aws|aws-cn|aws-us-gov):kms:([a-z0-9-]+):(\d{12}):key\/[A-Za-z0-9-]{1,128}$/
const RELEASES = `${RELEASE_PARAMETER_ROOT}/`

/**
 * What the instance role may read besides its environment's releases: the paths given, and what the
 * agent's file names (parsed with the agent's own parser, so a file the agent would refuse is refused
 * here). Nothing under /ecr-deploy/: that prefix holds releases, never secrets.
 */
export function parseInstanceGrants(
  flags: InstanceGrantFlags,
  region: string,
  namespace: string,
  agentConfig?: AgentConfigSource,
): InstanceGrants {
  const flagged = unique(flags.parameterPath ?? [])
  for (const path of flagged) {
    if (!PATH.test(path))
      throw new UsageError(
        `--parameter-path: "${path}" is not a Parameter Store path such as /app/prod/web/ (it starts and ends with /)`,
      )
    if (isRelease(path))
      throw new UsageError(
        `--parameter-path: "${path}" is under ${RELEASES}, which holds releases, not service parameters: keep secrets elsewhere, e.g. /app/prod/web/`,
      )
  }
  // The agent's schema has checked the file's paths already.
  const fromFile =
    agentConfig === undefined
      ? { paths: [], names: [] }
      : grantsOfFile(
          parseConfig(agentConfig.text, agentConfig.file, 'setup-iam'),
          agentConfig.file,
          namespace,
        )
  const parameterPaths = unique([...flagged, ...fromFile.paths])
  const parameterNames = unique(fromFile.names)
  const kmsKeys = unique(flags.kmsKey ?? [])
  for (const key of kmsKeys) checkKey(key, region)
  return {
    parameterPaths,
    parameterNames,
    kmsKeys,
    managedInstanceCore: flags.ssmManagedInstanceCore === true,
    pullThroughCache: unique(flags.pullThroughCache ?? []).map((prefix) =>
      checkCachePrefix(prefix, '--pull-through-cache'),
    ),
  }
}

/**
 * The parameters an instance with this file reads: each service's envFromParameters names, and the paths
 * its `allow:` block lets a release's spec name. A file of another environment is refused: its instances
 * would get a role for the wrong releases.
 */
export function grantsOfFile(
  config: FileGrants,
  file: string,
  namespace: string,
): { paths: string[]; names: string[] } {
  if (config.environment !== undefined && config.environment !== namespace)
    throw new UsageError(
      `${file}: environment: "${config.environment}" is not this role's namespace "${namespace}": give the agent.yaml of ${namespace}'s instances, or --namespace ${config.environment}`,
    )
  const paths: string[] = []
  const names: string[] = []
  for (const [service, settings] of Object.entries(config.services)) {
    for (const [variable, name] of Object.entries(settings.envFromParameters)) {
      if (isRelease(name))
        throw new UsageError(
          `${file}: services.${service}.envFromParameters.${variable}: "${name}" is under ${RELEASES}, which holds releases: move the parameter outside it (e.g. /app/<environment>/${service}/...) and name the new one`,
        )
      names.push(name)
    }
    paths.push(...(settings.allow?.parameterPaths ?? []))
  }
  return { paths, names }
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
