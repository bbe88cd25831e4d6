import { arnIn, githubOidcAudienceOf, partitionOf } from '../../shared/partition.ts'
import { releaseParameterName } from '../../shared/release.ts'
import { lockParameterName } from '../lock/lock-record.ts'

/**
 * Least-privilege IAM documents for the two roles this tool needs. Pure builders: `ecr-deploy setup iam`
 * prints them, the CloudFormation template embeds the same statements, and tests evaluate them. Every
 * action granted is one the controller, the agent or the SSM Agent calls (see the tests that record those
 * calls); nothing in Parameter Store is granted beyond the release parameters and the instance's own.
 */

export interface IamInput {
  /** `org/repo` whose workflows may assume the CI role. */
  readonly githubRepo: string
  /** Exactly one of branch or environment narrows the OIDC subject. */
  readonly branch?: string
  readonly environment?: string
  /** The release namespace, `/ecr-deploy/<namespace>/<service>`: the GitHub environment, or named for a branch. */
  readonly namespace: string
  /** The services whose release parameters the CI role writes. */
  readonly services: readonly string[]
  readonly accountId: string
  readonly region: string
  /** ECR repositories the CI role may push to and deploy from. */
  readonly repositories: readonly string[]
  /** Instance tag that SendCommand is limited to, e.g. `{ key: 'Role', value: 'web' }`. */
  readonly tag: { readonly key: string; readonly value: string }
  readonly documentName: string
  /** What the instance role reads besides the releases; see instance-policy.ts. */
  readonly instance: InstanceGrants
  /** CloudWatch alarms a rollout watches (`deploy --alarm`); none: no CloudWatch access at all. */
  readonly alarms?: readonly string[]
}

/** The instance's own parameters and keys, from `--parameter-path`, `--agent-config` and `--kms-key`. */
export interface InstanceGrants {
  /** Paths ending in `/`, e.g. `/app/prod/web/`: every parameter under them. */
  readonly parameterPaths: readonly string[]
  /** Exact parameter names (or ARNs), e.g. the `envFromParameters` of an agent.yaml. */
  readonly parameterNames: readonly string[]
  /** Customer-managed KMS key ARNs that SecureStrings among those parameters are encrypted with. */
  readonly kmsKeys: readonly string[]
  /** Attach AmazonSSMManagedInstanceCore too (Session Manager, Patch Manager...): wider, opt-in. */
  readonly managedInstanceCore: boolean
  /** ECR pull-through cache prefixes (`--pull-through-cache`) whose images the instances pull. */
  readonly pullThroughCache?: readonly string[]
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

/** `arn:...:ssm:<region>:<account>:parameter/<name>`: a name's leading slash is not doubled. */
export function parameterArn(input: Pick<IamInput, 'accountId' | 'region'>, name: string): string {
  if (name.startsWith('arn:')) return name
  return arnIn(input.region, 'ssm', input.accountId, `parameter/${name.replace(/^\//, '')}`)
}

export function repositoryArns(input: IamInput): string[] {
  return input.repositories.map((name) => arnIn(input.region, 'ecr', input.accountId, `repository/${name}`))
}

/** Permissions of the CI role: push and resolve images, send our document to tagged instances, read results. */
export function ciRolePolicy(input: IamInput): PolicyDocument {
  const { accountId, region } = input
  return {
    Version: '2012-10-17',
    Statement: [
      // GetAuthorizationToken is account-wide: IAM accepts no narrower resource for it.
      { Sid: 'EcrLogin', Effect: 'Allow', Action: ['ecr:GetAuthorizationToken'], Resource: ['*'] },
      {
        Sid: 'EcrPushAndResolve',
        Effect: 'Allow',
        // BatchGetImage + PutImage also add the `deployed-` tag to a stable release's manifest, and
        // BatchDeleteImage removes the ones beyond --keep-deployed; IAM has no condition key for an image
        // tag, so the repository is the narrowest resource. DescribeImageScanFindings is the scan gate's: it
        // is granted whether or not a workflow gives --max-severity, which is a deploy-time flag.
        Action: [
          'ecr:BatchCheckLayerAvailability',
          'ecr:BatchDeleteImage',
          'ecr:BatchGetImage',
          'ecr:CompleteLayerUpload',
          'ecr:DescribeImageScanFindings',
          'ecr:DescribeImages',
          'ecr:DescribeRepositories',
          'ecr:GetDownloadUrlForLayer',
          'ecr:InitiateLayerUpload',
          'ecr:PutImage',
          'ecr:UploadLayerPart',
        ],
        Resource: repositoryArns(input),
      },
      // SendCommand is authorized against the document and each instance: both statements must allow it.
      // IAM has no condition key for a command's parameters; the document's allowedPattern checks them.
      {
        Sid: 'SendOurDocumentOnly',
        Effect: 'Allow',
        Action: ['ssm:SendCommand'],
        Resource: [arnIn(region, 'ssm', accountId, `document/${input.documentName}`)],
      },
      {
        Sid: 'SendToTaggedInstancesOnly',
        Effect: 'Allow',
        Action: ['ssm:SendCommand'],
        Resource: [arnIn(region, 'ec2', accountId, 'instance/*')],
        Condition: { StringEquals: { [`ssm:resourceTag/${input.tag.key}`]: input.tag.value } },
      },
      {
        Sid: 'ReadCommandResults',
        Effect: 'Allow',
        Action: ['ssm:GetCommandInvocation', 'ssm:ListCommandInvocations', 'ssm:ListCommands'],
        Resource: ['*'],
      },
      // Exactly this namespace's release parameters: deploy reads the newest and writes new versions,
      // rollback and history read the versions. A selector (`name:7`) is authorized as the name itself.
      {
        Sid: 'ReleasesOfTheseServices',
        Effect: 'Allow',
        Action: ['ssm:GetParameter', 'ssm:GetParameterHistory', 'ssm:PutParameter'],
        Resource: input.services.map((service) =>
          parameterArn(input, releaseParameterName(input.namespace, service)),
        ),
      },
      lockGrantStatement(input),
      // A rollout in waves resolves tag targets to instance ids; IAM takes no narrower resource for it.
      {
        Sid: 'ResolveTargetsForWaves',
        Effect: 'Allow',
        Action: ['ssm:DescribeInstanceInformation'],
        Resource: ['*'],
      },
      // deploy --alarm reads the alarm between waves, and SendCommand's AlarmConfiguration has SSM read it
      // as the caller: DescribeAlarms on the named alarms only.
      ...(input.alarms === undefined || input.alarms.length === 0
        ? []
        : [
            {
              Sid: 'WatchRolloutAlarms',
              Effect: 'Allow' as const,
              Action: ['cloudwatch:DescribeAlarms'],
              Resource: input.alarms.map((name) => arnIn(region, 'cloudwatch', accountId, `alarm:${name}`)),
            },
          ]),
    ],
  }
}

/** Whose deploy locks a CI role takes: one namespace (environment) and its listed services. */
export interface LockGrantInput {
  readonly accountId: string
  readonly region: string
  readonly namespace: string
  readonly services: readonly string[]
}

/**
 * The CI role's grant on the deploy locks, for the CI role policy beside its release grant: the three calls
 * the lock makes (controller/ssm/sdk-lock-parameter.ts), on exactly each listed service's lock name. No
 * wildcard: a role of one environment cannot take, read or delete another's lock, and the lock root
 * (`/ecr-deploy-lock/`) is outside `/ecr-deploy/*`, so no release grant reaches it.
 */
export function lockGrantStatement(input: LockGrantInput): PolicyStatement {
  return {
    Sid: 'DeployLocksOfTheseServices',
    Effect: 'Allow',
    Action: ['ssm:DeleteParameter', 'ssm:GetParameter', 'ssm:PutParameter'],
    Resource: input.services.map((service) =>
      parameterArn(input, lockParameterName(input.namespace, service)),
    ),
  }
}
