import { UsageError } from '../shared/errors.ts'
import { type ImageRef, parseImageRef } from '../shared/image-ref.ts'
import { assertServiceName } from '../shared/service-name.ts'
import { DEPLOY_DOCUMENT_NAME } from './ssm/document.ts'
import type { Targeting } from './ssm/send-command.ts'

/** Validated `ecr-deploy deploy` options. */
export interface DeployOptions {
  readonly service: string
  readonly image: ImageRef
  readonly targeting: Targeting
  readonly maxConcurrency: string
  readonly maxErrors: string
  readonly timeoutSeconds: number
  readonly documentName: string
  readonly region: string
  readonly rollbackOnFailure: boolean
  readonly comment?: string
}

/** The flags as commander hands them over. */
export interface DeployFlags extends FleetFlags {
  readonly image: string
  readonly rollbackOnFailure?: boolean
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

export type FleetOptions = Omit<DeployOptions, 'image' | 'rollbackOnFailure'>

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

export function parseDeployFlags(flags: DeployFlags, env: NodeJS.ProcessEnv): DeployOptions {
  assertServiceName(flags.service)
  const image = parseImageRef(flags.image)
  const fleet = parseFleetFlags(flags, env, image.region)
  return Object.freeze({ ...fleet, image, rollbackOnFailure: flags.rollbackOnFailure === true })
}
