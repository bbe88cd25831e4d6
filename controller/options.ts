import { UsageError } from '../shared/errors.ts'
import { type ImageRef, parseImageRef } from '../shared/image-ref.ts'
import { ENVIRONMENT_NAME_PATTERN, type ReleaseSpecText } from '../shared/release.ts'
import { assertServiceName } from '../shared/service-name.ts'
import type { ReleaseOrigin } from './origin.ts'
import { parseKeepDeployed } from './retention.ts'
import type { ScanGateOptions } from './scan-gate.ts'
import { DEPLOY_DOCUMENT_NAME } from './ssm/document.ts'
import type { Targeting } from './ssm/send-command.ts'
import { parseRolloutFlags, type RolloutFlags, type RolloutOptions } from './waves.ts'

/** Validated options of every command that sends our document to a fleet. */
export interface FleetOptions {
  readonly service: string
  readonly targeting: Targeting
  readonly maxConcurrency: string
  readonly maxErrors: string
  readonly timeoutSeconds: number
  readonly documentName: string
  readonly region: string
  readonly comment?: string
}

/** A deploy or a rollback writes a release: it names its environment and who makes it. */
export interface ReleaseOptions extends FleetOptions {
  readonly environment: string
  readonly origin: ReleaseOrigin
  /** `deployed-` tags kept in ECR for this environment and service (--keep-deployed; default 10). */
  readonly keepDeployed?: number
  /** False with --no-prepull: no pull to the whole fleet before the first wave (controller/prepull.ts). */
  readonly prepull?: boolean
}

/** Validated `ecr-deploy deploy` options. */
export interface DeployOptions extends ReleaseOptions {
  readonly image: ImageRef
  /** From --spec; without it the stable release's spec is carried over. */
  readonly spec?: ReleaseSpecText
  /** From --max-severity, --scan-timeout and --allow-unscanned; without --max-severity no gate. */
  readonly scanGate?: ScanGateOptions
  /** --canary/--waves, --bake and --alarm; absent without any of them. */
  readonly rollout?: RolloutOptions
}

/** The flags as commander hands them over. */
export interface DeployFlags extends FleetFlags, RolloutFlags {
  readonly image: string
  /** Commander's `--no-prepull`: false when given. */
  readonly prepull?: boolean
  readonly environment?: string
  /** The spec file's path. */
  readonly spec?: string
  readonly maxSeverity?: string
  readonly scanTimeout?: string
  readonly allowUnscanned?: boolean
  readonly keepDeployed?: string
}

const TARGET = /^(tag:[\w.:/=+@-]{1,128}|tag-key)=([\w.:/=+@ -]{1,256})$/
const INSTANCE_ID = /^(?:i|mi)-[0-9a-f]{8,17}$/
const CONCURRENCY = /^(?:[1-9][0-9]{0,5}|(?:[1-9][0-9]?|100)%)$/
const ERRORS = /^(?:0|[1-9][0-9]{0,5}|(?:[0-9]|[1-9][0-9]|100)%)$/
const DOCUMENT = /^[a-zA-Z0-9_.-]{3,128}$/

/** `tag:Role=web,tag:Env=prod` -> SSM Targets; each key once, at most five as SSM allows. */
export function parseTargets(text: string): Targeting {
  const parts = text.split(',').map((part) => part.trim())
  const targets = parts.map((part) => {
    const match = TARGET.exec(part)
    if (!match) {
      throw new UsageError(
        `--targets: "${part}" is not a target: expected tag:<Key>=<Value> or tag-key=<Key>, e.g. tag:Role=web`,
      )
    }
    return { key: match[1] ?? '', values: [match[2] ?? ''] }
  })
  if (targets.length > 5)
    throw new UsageError(`--targets: ${targets.length} targets given; SSM accepts at most 5`)
  const keys = targets.map((target) => target.key)
  const repeated = keys.find((key, index) => keys.indexOf(key) !== index)
  if (repeated) throw new UsageError(`--targets: "${repeated}" is given twice; give each key once`)
  return { kind: 'targets', targets }
}

export function parseInstanceIds(ids: readonly string[]): Targeting {
  const all = ids.flatMap((id) => id.split(/[\s,]+/)).filter(Boolean)
  const bad = all.find((id) => !INSTANCE_ID.test(id))
  if (bad !== undefined)
    throw new UsageError(`--instance-ids: "${bad}" is not an instance id such as i-0123456789abcdef0`)
  if (all.length === 0) throw new UsageError('--instance-ids: give at least one instance id')
  return { kind: 'instances', instanceIds: [...new Set(all)] }
}

export function parseTargeting(flags: { targets?: string; instanceIds?: readonly string[] }): Targeting {
  if (flags.targets !== undefined && flags.instanceIds !== undefined) {
    throw new UsageError('give either --targets or --instance-ids, not both')
  }
  if (flags.targets !== undefined) return parseTargets(flags.targets)
  if (flags.instanceIds !== undefined) return parseInstanceIds(flags.instanceIds)
  throw new UsageError('no target: give --targets tag:Role=web or --instance-ids i-0123456789abcdef0')
}

/**
 * Region: the flag, then the environment, then `fallback`: the image's own region for a deploy, the AWS
 * config file's for the other commands (read by the caller, see config-file-region.ts).
 */
export function resolveRegion(flag: string | undefined, env: NodeJS.ProcessEnv, fallback?: string): string {
  const region = flag || env.AWS_REGION || env.AWS_DEFAULT_REGION || fallback
  if (!region)
    throw new UsageError('no AWS region: pass --region, set AWS_REGION, or set region in the AWS config file')
  if (!/^[a-z]{2}(?:-[a-z]+)+-\d$/.test(region))
    throw new UsageError(`--region: "${region}" is not an AWS region such as eu-west-1`)
  return region
}

/** Flags every fleet command shares. */
export interface FleetFlags {
  readonly service: string
  readonly targets?: string
  readonly instanceIds?: readonly string[]
  readonly maxConcurrency: string
  readonly maxErrors: string
  readonly timeout: string
  readonly document?: string
  readonly region?: string
  readonly comment?: string
}

export function parseFleetFlags(
  flags: FleetFlags,
  env: NodeJS.ProcessEnv,
  fallbackRegion?: string,
): FleetOptions {
  const service = assertServiceName(flags.service)
  const targeting = parseTargeting(flags)
  if (!CONCURRENCY.test(flags.maxConcurrency)) {
    throw new UsageError(
      `--max-concurrency: "${flags.maxConcurrency}" is not a count (1 or more) or a percentage (1% to 100%)`,
    )
  }
  if (!ERRORS.test(flags.maxErrors)) {
    throw new UsageError(
      `--max-errors: "${flags.maxErrors}" is not a count (0 or more) or a percentage (0% to 100%)`,
    )
  }
  const timeoutSeconds = Number(flags.timeout)
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 30 || timeoutSeconds > 2_592_000) {
    throw new UsageError(`--timeout: "${flags.timeout}" is not a whole number of seconds from 30 to 2592000`)
  }
  const documentName = flags.document ?? DEPLOY_DOCUMENT_NAME
  if (!DOCUMENT.test(documentName))
    throw new UsageError(`--document: "${documentName}" is not an SSM document name`)
  if (flags.comment !== undefined && flags.comment.length > 100) {
    throw new UsageError(`--comment: ${flags.comment.length} characters; SSM accepts at most 100`)
  }
  return {
    service,
    targeting,
    maxConcurrency: flags.maxConcurrency,
    maxErrors: flags.maxErrors,
    timeoutSeconds,
    documentName,
    region: resolveRegion(flags.region, env, fallbackRegion),
    ...(flags.comment === undefined ? {} : { comment: flags.comment }),
  }
}

const ENVIRONMENT = new RegExp(ENVIRONMENT_NAME_PATTERN)

/** `--environment`: required, because releases are kept per environment and service. */
export function parseEnvironment(flag: string | undefined): string {
  if (flag === undefined || flag === '') {
    throw new UsageError(
      'no environment: give --environment <name>, e.g. --environment prod; releases are kept per environment and service in /ecr-deploy/<environment>/<service>',
    )
  }
  if (!ENVIRONMENT.test(flag)) {
    throw new UsageError(
      `--environment: "${flag}" is not an environment name: 1 to 32 lower-case letters, digits and "-", starting with a letter or digit, e.g. prod`,
    )
  }
  return flag
}

export function parseReleaseFlags(
  flags: FleetFlags & {
    readonly environment?: string
    readonly keepDeployed?: string
    readonly prepull?: boolean
  },
  env: NodeJS.ProcessEnv,
  origin: ReleaseOrigin,
  fallbackRegion?: string,
): ReleaseOptions {
  assertServiceName(flags.service)
  const environment = parseEnvironment(flags.environment)
  const keepDeployed = parseKeepDeployed(flags.keepDeployed)
  return {
    ...parseFleetFlags(flags, env, fallbackRegion),
    environment,
    origin,
    keepDeployed,
    ...(flags.prepull === false ? { prepull: false } : {}),
  }
}

/** The deploy's flags, with the spec file already read and checked (spec-file.ts). */
export function parseDeployFlags(
  flags: DeployFlags,
  env: NodeJS.ProcessEnv,
  origin: ReleaseOrigin,
  spec?: ReleaseSpecText,
): DeployOptions {
  assertServiceName(flags.service)
  parseEnvironment(flags.environment)
  const image = parseImageRef(flags.image)
  const release = parseReleaseFlags(flags, env, origin, image.region)
  const scanGate = parseScanGateFlags(flags)
  return Object.freeze({
    ...release,
    image,
    ...(spec === undefined ? {} : { spec }),
    ...(scanGate === undefined ? {} : { scanGate }),
    ...rolloutOption(flags),
  })
}

/** `rollout` when a flag asks for waves or an alarm; without any, one command under SSM's rate control. */
export function rolloutOption(flags: RolloutFlags): { readonly rollout?: RolloutOptions } {
  const rollout = parseRolloutFlags(flags)
  return rollout.waves.length === 0 && rollout.alarm === undefined ? {} : { rollout }
}

/** `--max-severity HIGH|CRITICAL` turns the scan gate on; the other two flags only shape it. */
export function parseScanGateFlags(
  flags: Pick<DeployFlags, 'maxSeverity' | 'scanTimeout' | 'allowUnscanned'>,
): ScanGateOptions | undefined {
  const { maxSeverity } = flags
  if (maxSeverity === undefined) {
    if (flags.allowUnscanned === true || flags.scanTimeout !== undefined) {
      throw new UsageError(
        '--allow-unscanned and --scan-timeout shape the scan gate: give --max-severity HIGH or CRITICAL too',
      )
    }
    return undefined
  }
  if (maxSeverity !== 'HIGH' && maxSeverity !== 'CRITICAL') {
    throw new UsageError(`--max-severity: "${maxSeverity}" is not a level: give HIGH or CRITICAL`)
  }
  const timeoutSeconds = Number(flags.scanTimeout ?? '300')
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 0 || timeoutSeconds > 3600) {
    throw new UsageError(
      `--scan-timeout: "${flags.scanTimeout}" is not a whole number of seconds from 0 to 3600`,
    )
  }
  return { maxSeverity, timeoutSeconds, allowUnscanned: flags.allowUnscanned === true }
}
