import { UsageError } from '../../shared/errors.ts'
import { ENVIRONMENT_NAME_PATTERN } from '../../shared/release.ts'
import { SERVICE_NAME_PATTERN } from '../../shared/service-name.ts'
import { DEPLOY_DOCUMENT_NAME } from '../ssm/document.ts'
import type { IamInput } from './iam.ts'
import { type AgentConfigSource, type InstanceGrantFlags, parseInstanceGrants } from './instance-grants.ts'
import type { LifecycleInput } from './lifecycle.ts'

export interface IamFlags extends InstanceGrantFlags {
  readonly githubRepo: string
  readonly branch?: string
  readonly environment?: string
  readonly namespace?: string
  readonly service?: readonly string[]
  readonly agentConfig?: string
  readonly account: string
  readonly region: string
  readonly tag: string
  readonly repository: readonly string[]
  readonly document?: string
  readonly alarm?: readonly string[]
}

/** A CloudWatch alarm name that is also a literal ARN: no IAM wildcards, no control characters. */
const ALARM = /^(?!\s*$)[^*?\p{Cc}]{1,255}$/u
const REPO = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/
const ACCOUNT = /^\d{12}$/
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d$/
const TAG = /^([\w.:/+@-]{1,128})=([\w.:/+@ -]{1,256})$/
const REF = /^[A-Za-z0-9_./-]{1,255}$/
const ECR_REPOSITORY = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/

const NAMESPACE = new RegExp(ENVIRONMENT_NAME_PATTERN)
const SERVICE = new RegExp(SERVICE_NAME_PATTERN)
const NAMESPACE_RULE = "1 to 32 lowercase letters, digits or '-', starting with a letter or digit"

/** `agentConfig` is the text of `--agent-config`, read by the command. */
export function parseIamFlags(flags: IamFlags, agentConfig?: AgentConfigSource): IamInput {
  if (!REPO.test(flags.githubRepo))
    throw new UsageError(`--github-repo: "${flags.githubRepo}" is not owner/name, e.g. acme/shop`)
  if (flags.branch !== undefined && flags.environment !== undefined) {
    throw new UsageError(
      'give either --branch or --environment, not both: the OIDC subject names one of them',
    )
  }
  for (const [flag, value] of [
    ['--branch', flags.branch],
    ['--environment', flags.environment],
  ] as const) {
    if (value !== undefined && !REF.test(value))
      throw new UsageError(`${flag}: "${value}" has characters GitHub does not allow there`)
  }
  if (!ACCOUNT.test(flags.account))
    throw new UsageError(`--account: "${flags.account}" is not a 12-digit AWS account id`)
  if (!REGION.test(flags.region))
    throw new UsageError(`--region: "${flags.region}" is not an AWS region such as eu-west-1`)
  const tag = TAG.exec(flags.tag)
  if (!tag) throw new UsageError(`--tag: "${flags.tag}" is not Key=Value, e.g. Role=web`)
  if (flags.repository.length === 0)
    throw new UsageError('--repository: name at least one ECR repository the CI role may push to')
  const bad = flags.repository.find((name) => !ECR_REPOSITORY.test(name))
  if (bad !== undefined)
    throw new UsageError(`--repository: "${bad}" is not an ECR repository name (lowercase, digits, . _ - /)`)
  const services = [...new Set(flags.service ?? [])]
  if (services.length === 0)
    throw new UsageError('--service: name at least one service whose releases the CI role writes, e.g. web')
  const badService = services.find((name) => !SERVICE.test(name))
  if (badService !== undefined)
    throw new UsageError(
      `--service: "${badService}" is not a service name (1 to 63 lowercase letters, digits or '-', starting with a letter or digit)`,
    )
  const namespace = namespaceOf(flags)
  const badAlarm = (flags.alarm ?? []).find((name) => !ALARM.test(name))
  if (badAlarm !== undefined) {
    throw new UsageError(
      `--alarm: "${badAlarm}" is not a CloudWatch alarm name IAM can name exactly (1 to 255 characters, no * or ?)`,
    )
  }
  return {
    githubRepo: flags.githubRepo,
    ...(flags.environment === undefined
      ? { branch: flags.branch ?? 'main' }
      : { environment: flags.environment }),
    namespace,
    services,
    accountId: flags.account,
    region: flags.region,
    repositories: [...flags.repository],
    tag: { key: tag[1] ?? '', value: tag[2] ?? '' },
    documentName: flags.document ?? DEPLOY_DOCUMENT_NAME,
    instance: parseInstanceGrants(flags, flags.region, namespace, agentConfig),
    ...(flags.alarm === undefined ? {} : { alarms: [...new Set(flags.alarm)] }),
  }
}

/** The release namespace: `--namespace`, else the GitHub environment's name. */
function namespaceOf(flags: IamFlags): string {
  if (flags.namespace !== undefined) {
    if (!NAMESPACE.test(flags.namespace))
      throw new UsageError(`--namespace: "${flags.namespace}" is not a namespace name (${NAMESPACE_RULE})`)
    return flags.namespace
  }
  if (flags.environment === undefined)
    throw new UsageError(
      '--namespace: name the release namespace (e.g. --namespace staging) when the trust is for a branch; with --environment it is the environment',
    )
  if (!NAMESPACE.test(flags.environment))
    throw new UsageError(
      `--environment: "${flags.environment}" cannot name the release namespace (${NAMESPACE_RULE}): give --namespace too, e.g. --namespace prod`,
    )
  return flags.environment
}

export function parseLifecycleFlags(flags: { keep: string; untaggedDays: string }): LifecycleInput {
  return { keep: Number(flags.keep), untaggedDays: Number(flags.untaggedDays) }
}
