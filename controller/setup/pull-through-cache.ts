import { UsageError } from '../../shared/errors.ts'
import { partitionOf, registrySuffixesOf } from '../../shared/partition.ts'
import type { CacheRule } from '../ecr/pull-through-cache-rules.ts'
import type { SecretDescription, SecretKeys } from '../secrets/secret-store.ts'

/*
 * `setup pull-through-cache`: an ECR pull-through cache rule for Docker Hub, so that base images come
 * through ECR. Pure: the command reads the secret and the existing rule through their ports, and these
 * functions decide what is wrong, whether to create, and what to print.
 *
 * ECR creates a rule whatever the secret holds and only fails at the first pull, so the secret is checked
 * first: DescribeSecret says it exists (and gives the ARN the rule names), but only GetSecretValue shows
 * its keys, so the value is read — by the adapter, which returns key names only.
 */

export const DOCKER_HUB_URL = 'registry-1.docker.io'
/** ECR accepts a credential secret only under this name prefix. */
export const SECRET_PREFIX = 'ecr-pullthroughcache/'
export const SECRET_KEYS = ['username', 'accessToken'] as const

/** ECR's pattern for a rule's repository prefix (2 to 30 characters). */
const CACHE_PREFIX = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/

export function checkCachePrefix(prefix: string, flag = '--prefix'): string {
  if (prefix.length < 2 || prefix.length > 30 || !CACHE_PREFIX.test(prefix))
    throw new UsageError(
      `${flag}: "${prefix}" is not an ECR repository prefix (2 to 30 lowercase letters, digits, . _ - /), e.g. docker-hub`,
    )
  return prefix
}

export function checkSecretName(name: string): string {
  if (!name.startsWith(SECRET_PREFIX) || name.length === SECRET_PREFIX.length)
    throw new UsageError(
      `--secret: "${name}" does not start with ${SECRET_PREFIX}: ECR only reads pull-through cache credentials from secrets named so; create one, e.g. ${SECRET_PREFIX}docker-hub`,
    )
  return name
}

const CREATE_HINT = `aws secretsmanager create-secret --name <name> --secret-string '{"username":"<Docker Hub user>","accessToken":"<access token>"}'`

/** The secret as DescribeSecret found it: its ARN, or what is wrong with it. */
export function secretArnOf(name: string, found: SecretDescription | undefined, region: string): string {
  if (found === undefined)
    throw new UsageError(
      `--secret: there is no secret "${name}" in Secrets Manager in ${region}: ECR reads it from the rule's own region; create it with ${CREATE_HINT}`,
    )
  if (found.deletedAt !== undefined)
    throw new UsageError(
      `--secret: "${name}" is scheduled for deletion (${found.deletedAt.toISOString()}): restore it with aws secretsmanager restore-secret --secret-id ${name}, or create another`,
    )
  return found.arn
}

/** Refuses a secret without both keys ECR reads; names the keys, never the value. */
export function checkSecretKeys(name: string, keys: SecretKeys): void {
  if (keys.kind === 'not-json-object')
    throw new UsageError(
      `--secret: "${name}" does not hold a JSON object: ECR reads the keys ${SECRET_KEYS.join(' and ')} from it; set it with ${CREATE_HINT.replace('create-secret --name <name>', `put-secret-value --secret-id ${name}`)}`,
    )
  const missing = SECRET_KEYS.filter((key) => !keys.keys.includes(key))
  if (missing.length > 0)
    throw new UsageError(
      `--secret: "${name}" has no ${missing.join(' and no ')} key (it has ${keys.keys.length === 0 ? 'none' : keys.keys.join(', ')}): ECR needs ${SECRET_KEYS.join(' and ')}, the Docker Hub user and an access token`,
    )
}

/** Whether to create the rule; an existing rule of the prefix with other settings is refused, both named. */
export function planRule(wanted: CacheRule, existing: CacheRule | undefined): 'create' | 'unchanged' {
  if (existing === undefined) return 'create'
  if (existing.upstreamUrl === wanted.upstreamUrl && existing.credentialArn === wanted.credentialArn)
    return 'unchanged'
  const show = (rule: CacheRule) => `${rule.upstreamUrl} with ${rule.credentialArn ?? 'no credentials'}`
  throw new UsageError(
    `--prefix: ECR already has a pull-through cache rule "${wanted.prefix}" for ${show(existing)}, not ${show(wanted)}: choose another --prefix, or delete that rule first (aws ecr delete-pull-through-cache-rule --ecr-repository-prefix ${wanted.prefix})`,
  )
}

/** `arn:<partition>:secretsmanager:<region>:<account>:secret:...` → the account. */
export function accountOfArn(arn: string): string {
  return arn.split(':')[4] ?? ''
}

/** What the command prints after the rule: how to name a base image through the cache. */
export function usageLines(prefix: string, accountId: string, region: string): string[] {
  const host = `${accountId}.dkr.ecr.${region}.${registrySuffixesOf(partitionOf(region)).ipv4}`
  return [
    `pull Docker Hub images through ECR as ${host}/${prefix}/<namespace>/<image>:<tag>, e.g.`,
    `  FROM ${host}/${prefix}/library/node:24`,
    `official images (node, nginx, postgres...) need the library/ namespace: ${prefix}/library/node, not ${prefix}/node`,
    `the first pull of each image creates the repository ${prefix}/<namespace>/<image>; give the instance role the cache with ecr-deploy setup iam --pull-through-cache ${prefix}`,
  ]
}
