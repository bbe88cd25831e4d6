import {
  CreatePullThroughCacheRuleCommand,
  DescribePullThroughCacheRulesCommand,
  ECRClient,
} from '@aws-sdk/client-ecr'
import { awsFailure } from '../aws-errors.ts'

/** A pull-through cache rule, in our words. */
export interface CacheRule {
  readonly prefix: string
  readonly upstreamUrl: string
  readonly credentialArn?: string
}

/** ECR's pull-through cache rules, for `setup pull-through-cache`. */
export interface CacheRuleStore {
  /** The rule of this prefix, or undefined when there is none. */
  find(prefix: string): Promise<CacheRule | undefined>
  create(rule: CacheRule): Promise<void>
}

/** The one CacheRuleStore over the SDK. */
export class EcrCacheRuleStore implements CacheRuleStore {
  readonly #client: ECRClient

  constructor(client: ECRClient) {
    this.#client = client
  }

  static forRegion(region: string): EcrCacheRuleStore {
    return new EcrCacheRuleStore(new ECRClient({ region }))
  }

  async find(prefix: string): Promise<CacheRule | undefined> {
    const output = await this.#client
      .send(new DescribePullThroughCacheRulesCommand({ ecrRepositoryPrefixes: [prefix] }))
      .catch((error: unknown) => {
        if (error instanceof Error && error.name === 'PullThroughCacheRuleNotFoundException') return undefined
        throw awsFailure('DescribePullThroughCacheRules', error, prefix)
      })
    const rule = output?.pullThroughCacheRules?.find((r) => r.ecrRepositoryPrefix === prefix)
    if (rule === undefined) return undefined
    return {
      prefix,
      upstreamUrl: rule.upstreamRegistryUrl ?? '',
      ...(rule.credentialArn === undefined ? {} : { credentialArn: rule.credentialArn }),
    }
  }

  async create(rule: CacheRule): Promise<void> {
    await this.#client
      .send(
        new CreatePullThroughCacheRuleCommand({
          ecrRepositoryPrefix: rule.prefix,
          upstreamRegistryUrl: rule.upstreamUrl,
          ...(rule.credentialArn === undefined ? {} : { credentialArn: rule.credentialArn }),
        }),
      )
      .catch((error: unknown) => {
        throw awsFailure('CreatePullThroughCacheRule', error, rule.prefix)
      })
  }
}
