import { DESIRED_PARAMETER_PREFIX } from '../../shared/agent-contract.ts'
import { arnIn, githubOidcAudienceOf, partitionOf } from '../../shared/partition.ts'

/**
 * Least-privilege IAM documents for the two roles this tool needs. Pure builders: `ecr-deploy setup iam`
 * prints them, the CloudFormation template embeds the same statements, and tests evaluate them.
 */

export interface IamInput {
  /** `org/repo` whose workflows may assume the CI role. */
  readonly githubRepo: string
  /** Exactly one of branch or environment narrows the OIDC subject. */
  readonly branch?: string
  readonly environment?: string
  readonly accountId: string
  readonly region: string
  /** ECR repositories the CI role may push to and deploy from. */
  readonly repositories: readonly string[]
  /** Instance tag that SendCommand is limited to, e.g. `{ key: 'Role', value: 'web' }`. */
  readonly tag: { readonly key: string; readonly value: string }
  readonly documentName: string
}

export interface PolicyStatement {
  readonly Sid: string
  readonly Effect: 'Allow'
  readonly Action: readonly string[]
  readonly Resource: readonly string[]
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string>>>>
}

export interface PolicyDocument {
  readonly Version: '2012-10-17'
  readonly Statement: readonly PolicyStatement[]
}

export interface TrustPolicy {
  readonly Version: '2012-10-17'
  readonly Statement: readonly [
    {
      readonly Effect: 'Allow'
      readonly Principal: { readonly Federated: string }
      readonly Action: 'sts:AssumeRoleWithWebIdentity'
      readonly Condition: { readonly StringEquals: Readonly<Record<string, string>> }
    },
  ]
}

export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com'
/**
 * Attached to the instance role by ARN: it is what lets the SSM agent receive Run Command at all. AWS
 * managed policies live in each partition under the account `aws`.
 */
export function ssmManagedInstanceCore(region: string): string {
  return `arn:${partitionOf(region)}:iam::aws:policy/AmazonSSMManagedInstanceCore`
}

/** Trust policy of the CI role: GitHub's OIDC tokens for one repository and one branch or environment. */
export function githubTrustPolicy(input: IamInput): TrustPolicy {
  const subject = input.environment
    ? `repo:${input.githubRepo}:environment:${input.environment}`
    : `repo:${input.githubRepo}:ref:refs/heads/${input.branch ?? 'main'}`
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: {
          // IAM is global within a partition: its ARNs have no region.
          Federated: `arn:${partitionOf(input.region)}:iam::${input.accountId}:oidc-provider/${GITHUB_OIDC_HOST}`,
        },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: {
            [`${GITHUB_OIDC_HOST}:aud`]: githubOidcAudienceOf(partitionOf(input.region)),
            [`${GITHUB_OIDC_HOST}:sub`]: subject,
          },
        },
      },
    ],
  }
}

function arns(input: IamInput) {
  const { accountId, region } = input
  return {
    repositories: input.repositories.map((name) => arnIn(region, 'ecr', accountId, `repository/${name}`)),
    document: arnIn(region, 'ssm', accountId, `document/${input.documentName}`),
    instances: arnIn(region, 'ec2', accountId, 'instance/*'),
    parameters: arnIn(region, 'ssm', accountId, `parameter${DESIRED_PARAMETER_PREFIX}*`),
  }
}

/** Permissions of the CI role: push and resolve images, send our document to tagged instances, read results. */
export function ciRolePolicy(input: IamInput): PolicyDocument {
  const arn = arns(input)
  return {
    Version: '2012-10-17',
    Statement: [
      // GetAuthorizationToken is account-wide: IAM accepts no narrower resource for it.
      { Sid: 'EcrLogin', Effect: 'Allow', Action: ['ecr:GetAuthorizationToken'], Resource: ['*'] },
      {
        Sid: 'EcrPushAndResolve',
        Effect: 'Allow',
        Action: [
          'ecr:BatchCheckLayerAvailability',
          'ecr:BatchGetImage',
          'ecr:CompleteLayerUpload',
          'ecr:DescribeImages',
          'ecr:DescribeRepositories',
          'ecr:GetDownloadUrlForLayer',
          'ecr:InitiateLayerUpload',
          'ecr:PutImage',
          'ecr:UploadLayerPart',
        ],
        Resource: arn.repositories,
      },
      // SendCommand is authorized against the document and each instance: both statements must allow it.
      { Sid: 'SendOurDocumentOnly', Effect: 'Allow', Action: ['ssm:SendCommand'], Resource: [arn.document] },
      {
        Sid: 'SendToTaggedInstancesOnly',
        Effect: 'Allow',
        Action: ['ssm:SendCommand'],
        Resource: [arn.instances],
        Condition: { StringEquals: { [`ssm:resourceTag/${input.tag.key}`]: input.tag.value } },
      },
      {
        Sid: 'ReadCommandResults',
        Effect: 'Allow',
        Action: ['ssm:GetCommandInvocation', 'ssm:ListCommandInvocations', 'ssm:ListCommands'],
        Resource: ['*'],
      },
      {
        Sid: 'DesiredReleases',
        Effect: 'Allow',
        Action: ['ssm:GetParameter', 'ssm:GetParameterHistory', 'ssm:PutParameter'],
        Resource: [arn.parameters],
      },
    ],
  }
}

/** Inline policy of the instance role; attach {@link SSM_MANAGED_INSTANCE_CORE} beside it. */
export function instanceRolePolicy(input: IamInput): PolicyDocument {
  const arn = arns(input)
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'EcrLogin', Effect: 'Allow', Action: ['ecr:GetAuthorizationToken'], Resource: ['*'] },
      {
        Sid: 'EcrPull',
        Effect: 'Allow',
        Action: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
        Resource: arn.repositories,
      },
      {
        Sid: 'DesiredReleasesAndServiceSettings',
        Effect: 'Allow',
        Action: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath'],
        Resource: [arn.parameters],
      },
    ],
  }
}
