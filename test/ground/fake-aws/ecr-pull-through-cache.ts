import { paginate } from './pagination.ts'
import {
  AwsError,
  epochSeconds,
  type JsonInput,
  optionalNumber,
  optionalString,
  optionalStringList,
  requiredString,
} from './protocol.ts'
import type { JsonOperations } from './server.ts'

/**
 * ECR's pull-through cache rules: CreatePullThroughCacheRule and DescribePullThroughCacheRules. A prefix
 * has one rule; Docker Hub needs a credentialArn naming an existing Secrets Manager secret whose name starts
 * with `ecr-pullthroughcache/`, as ECR requires for upstreams that take credentials.
 */

const PREFIX = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/
const NEEDS_CREDENTIALS = new Set(['registry-1.docker.io', 'ghcr.io', 'registry.gitlab.com'])

interface Rule {
  readonly ecrRepositoryPrefix: string
  readonly upstreamRegistryUrl: string
  readonly credentialArn?: string
  readonly createdAt: number
}

export function pullThroughCacheOperations(options: {
  accountId: string
  now: () => number
  secretExists: (arn: string) => boolean
}): JsonOperations {
  const rules = new Map<string, Rule>()
  const shape = (rule: Rule) => ({
    ecrRepositoryPrefix: rule.ecrRepositoryPrefix,
    upstreamRegistryUrl: rule.upstreamRegistryUrl,
    createdAt: epochSeconds(rule.createdAt),
    registryId: options.accountId,
    ...(rule.credentialArn === undefined ? {} : { credentialArn: rule.credentialArn }),
  })
  return {
    CreatePullThroughCacheRule: (input: JsonInput) => {
      const prefix = requiredString(input, 'ecrRepositoryPrefix')
      const url = requiredString(input, 'upstreamRegistryUrl')
      const credentialArn = optionalString(input, 'credentialArn')
      if (prefix.length < 2 || prefix.length > 30 || !PREFIX.test(prefix))
        throw new AwsError(
          'InvalidParameterException',
          `Invalid parameter at 'ecrRepositoryPrefix' failed to satisfy constraint: '${prefix}'`,
        )
      if (rules.has(prefix))
        throw new AwsError(
          'PullThroughCacheRuleAlreadyExistsException',
          `A pull through cache rule with prefix '${prefix}' already exists in the registry with id '${options.accountId}'`,
        )
      if (NEEDS_CREDENTIALS.has(url) && credentialArn === undefined)
        throw new AwsError(
          'InvalidParameterException',
          `A credentialArn is required for upstream registry '${url}'`,
        )
      if (credentialArn !== undefined) {
        if (!/:secret:ecr-pullthroughcache\//.test(credentialArn))
          throw new AwsError(
            'InvalidParameterException',
            "The credentialArn must name a secret whose name starts with 'ecr-pullthroughcache/'",
          )
        if (!options.secretExists(credentialArn))
          throw new AwsError('SecretNotFoundException', `The secret '${credentialArn}' cannot be found`)
      }
      const rule: Rule = {
        ecrRepositoryPrefix: prefix,
        upstreamRegistryUrl: url,
        createdAt: options.now(),
        ...(credentialArn === undefined ? {} : { credentialArn }),
      }
      rules.set(prefix, rule)
      return { ...shape(rule), upstreamRegistry: url === 'registry-1.docker.io' ? 'docker-hub' : 'other' }
    },
    DescribePullThroughCacheRules: (input: JsonInput) => {
      const wanted = optionalStringList(input, 'ecrRepositoryPrefixes')
      for (const prefix of wanted ?? [])
        if (!rules.has(prefix))
          throw new AwsError(
            'PullThroughCacheRuleNotFoundException',
            `The pull through cache rule with prefix '${prefix}' does not exist in the registry with id '${options.accountId}'`,
          )
      const all = [...rules.values()].filter(
        (r) => wanted === undefined || wanted.includes(r.ecrRepositoryPrefix),
      )
      const page = paginate(all, optionalNumber(input, 'maxResults'), optionalString(input, 'nextToken'), 100)
      return {
        pullThroughCacheRules: page.items.map(shape),
        ...(page.nextToken === undefined ? {} : { nextToken: page.nextToken }),
      }
    },
  }
}
