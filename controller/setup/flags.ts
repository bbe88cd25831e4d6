import { UsageError } from '../../shared/errors.ts'
import { DEPLOY_DOCUMENT_NAME } from '../ssm/document.ts'
import type { IamInput } from './iam.ts'
import type { LifecycleInput } from './lifecycle.ts'

export interface IamFlags {
  readonly githubRepo: string
  readonly branch?: string
  readonly environment?: string
  readonly account: string
  readonly region: string
  readonly tag: string
  readonly repository: readonly string[]
  readonly document?: string
}

const REPO = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/
const ACCOUNT = /^\d{12}$/
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d$/
const TAG = /^([\w.:/+@-]{1,128})=([\w.:/+@ -]{1,256})$/
const REF = /^[A-Za-z0-9_./-]{1,255}$/
const ECR_REPOSITORY = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/

export function parseIamFlags(flags: IamFlags): IamInput {
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
  return {
    githubRepo: flags.githubRepo,
    ...(flags.environment === undefined
      ? { branch: flags.branch ?? 'main' }
      : { environment: flags.environment }),
    accountId: flags.account,
    region: flags.region,
    repositories: [...flags.repository],
    tag: { key: tag[1] ?? '', value: tag[2] ?? '' },
    documentName: flags.document ?? DEPLOY_DOCUMENT_NAME,
  }
}

export function parseLifecycleFlags(flags: { keep: string; untaggedDays: string }): LifecycleInput {
  return { keep: Number(flags.keep), untaggedDays: Number(flags.untaggedDays) }
}
