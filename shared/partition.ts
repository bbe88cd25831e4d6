/**
 * The AWS partition a region belongs to, which decides ARNs (`arn:<partition>:`) and the DNS suffixes of
 * ECR's registry hosts. Regions outside China and GovCloud are in the standard partition.
 */
export type Partition = 'aws' | 'aws-cn' | 'aws-us-gov'

export function partitionOf(region: string): Partition {
  if (region.startsWith('cn-')) return 'aws-cn'
  if (region.startsWith('us-gov-')) return 'aws-us-gov'
  return 'aws'
}

/** The registry host suffixes of a partition: the IPv4 one and the dual-stack one. */
export function registrySuffixesOf(partition: Partition): {
  readonly ipv4: string
  readonly dualStack: string
} {
  return partition === 'aws-cn'
    ? { ipv4: 'amazonaws.com.cn', dualStack: 'on.amazonwebservices.com.cn' }
    : { ipv4: 'amazonaws.com', dualStack: 'on.aws' }
}

/** `arn:<partition>:<service>:<region>:<account>:<resource>` for a resource in `region`. */
export function arnIn(region: string, service: string, accountId: string, resource: string): string {
  return `arn:${partitionOf(region)}:${service}:${region}:${accountId}:${resource}`
}

/**
 * The audience of GitHub's OIDC tokens that the CI role trusts: aws-actions/configure-aws-credentials asks
 * for `sts.amazonaws.com` unless its `audience` input says otherwise, and its documentation gives
 * `sts.amazonaws.com.cn` for China. For GovCloud it documents no other value, so the default stays.
 */
export function githubOidcAudienceOf(partition: Partition): string {
  return partition === 'aws-cn' ? 'sts.amazonaws.com.cn' : 'sts.amazonaws.com'
}
