import type { CacheRuleStore } from '../ecr/pull-through-cache-rules.ts'
import type { SecretStore } from '../secrets/secret-store.ts'
import {
  accountOfArn,
  checkCachePrefix,
  checkSecretKeys,
  checkSecretName,
  DOCKER_HUB_URL,
  planRule,
  secretArnOf,
  usageLines,
} from './pull-through-cache.ts'

export interface CacheRuleInput {
  readonly prefix: string
  readonly secretName: string
  readonly region: string
}

/**
 * Checks the secret, then creates the Docker Hub rule unless the same one exists. Every check runs before
 * anything is created; the lines returned are what the command prints.
 */
export async function createCacheRule(
  input: CacheRuleInput,
  ports: { readonly secrets: SecretStore; readonly rules: CacheRuleStore },
): Promise<string[]> {
  const prefix = checkCachePrefix(input.prefix)
  const name = checkSecretName(input.secretName)
  const arn = secretArnOf(name, await ports.secrets.describe(name), input.region)
  checkSecretKeys(name, await ports.secrets.keys(arn))
  const wanted = { prefix, upstreamUrl: DOCKER_HUB_URL, credentialArn: arn }
  const action = planRule(wanted, await ports.rules.find(prefix))
  if (action === 'create') await ports.rules.create(wanted)
  return [
    `${action === 'create' ? 'created' : 'unchanged:'} pull-through cache rule ${prefix} -> ${DOCKER_HUB_URL} with credentials ${arn}`,
    ...usageLines(prefix, accountOfArn(arn), input.region),
  ]
}
