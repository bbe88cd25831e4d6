import { arnIn, partitionOf, registrySuffixesOf } from '../../shared/partition.ts'
import { RELEASE_PARAMETER_ROOT } from '../../shared/release.ts'
import {
  type IamInput,
  type PolicyDocument,
  type PolicyStatement,
  parameterArn,
  repositoryArns,
} from './iam.ts'

/*
 * The instance role: what the agent calls (ECR pull, its environment's releases, the parameters its file
 * names, the keys those are encrypted with) and, in a policy of its own, what the SSM Agent needs to run
 * our document. AmazonSSMManagedInstanceCore is not attached unless asked: it allows ssm:GetParameter(s)
 * on every parameter in the account.
 */

/** Attached only with `--ssm-managed-instance-core`. AWS managed policies live in each partition under `aws`. */
export function ssmManagedInstanceCore(region: string): string {
  return `arn:${partitionOf(region)}:iam::aws:policy/AmazonSSMManagedInstanceCore`
}

export function instanceManagedPolicyArns(input: IamInput): string[] {
  return input.instance.managedInstanceCore ? [ssmManagedInstanceCore(input.region)] : []
}

/** The value of `kms:ViaService` when SSM decrypts a SecureString for a caller in `region`. */
export function ssmViaService(region: string): string {
  return `ssm.${region}.${registrySuffixesOf(partitionOf(region)).ipv4}`
}

/** Inline policy of the instance role for the agent; {@link ssmAgentPolicy} goes beside it. */
export function instanceRolePolicy(input: IamInput): PolicyDocument {
  const { parameterPaths, parameterNames, kmsKeys } = input.instance
  const own = [
    ...parameterPaths.map((path) => `${parameterArn(input, path)}*`),
    ...parameterNames.map((name) => parameterArn(input, name)),
  ]
  const statements: PolicyStatement[] = [
    { Sid: 'EcrLogin', Effect: 'Allow', Action: ['ecr:GetAuthorizationToken'], Resource: ['*'] },
    {
      Sid: 'EcrPull',
      Effect: 'Allow',
      Action: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
      Resource: repositoryArns(input),
    },
    // The desired-state job reads each service's newest release, `deploy --release` one version of it.
    {
      Sid: 'ReleasesOfThisEnvironment',
      Effect: 'Allow',
      Action: ['ssm:GetParameter'],
      Resource: [`${parameterArn(input, `${RELEASE_PARAMETER_ROOT}/${input.namespace}/`)}*`],
    },
  ]
  // envFromParameters is read in batches of ten with GetParameters, SecureStrings decrypted.
  if (own.length > 0)
    statements.push({
      Sid: 'ServiceParameters',
      Effect: 'Allow',
      Action: ['ssm:GetParameters'],
      Resource: own,
    })
  // A pull through the cache is authorized on the cached repository `<prefix>/<upstream path>`: the usual
  // pull actions, and on a first pull ECR imports the image (and creates its repository) as the caller.
  const caches = input.instance.pullThroughCache ?? []
  if (caches.length > 0) {
    const cached = caches.map((prefix) =>
      arnIn(input.region, 'ecr', input.accountId, `repository/${prefix}/*`),
    )
    statements.push(
      {
        Sid: 'PullThroughCachePull',
        Effect: 'Allow',
        Action: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
        Resource: cached,
      },
      {
        Sid: 'PullThroughCacheImport',
        Effect: 'Allow',
        Action: ['ecr:BatchImportUpstreamImage', 'ecr:CreateRepository'],
        Resource: cached,
      },
    )
  }
  // Only through SSM: the role cannot decrypt anything else with the key, nor call KMS with it directly.
  if (kmsKeys.length > 0) {
    statements.push({
      Sid: 'DecryptSecureStringsViaSsm',
      Effect: 'Allow',
      Action: ['kms:Decrypt'],
      Resource: [...kmsKeys],
      Condition: { StringEquals: { 'kms:ViaService': ssmViaService(input.region) } },
    })
  }
  return { Version: '2012-10-17', Statement: statements }
}

/**
 * What the SSM Agent itself calls to take Run Command, from AWS's "Reference: ec2messages, ssmmessages,
 * and other API operations" (Systems Manager User Guide): it registers and reports its heartbeat with
 * ssm:UpdateInstanceInformation, and receives commands and sends their results through the ec2messages
 * endpoint or the ssmmessages control channel (SSM Agent 3.3 and later prefer it; data channels are what
 * Session Manager opens). Left out, compared with AmazonSSMManagedInstanceCore: State Manager associations,
 * inventory, compliance, patch snapshots, documents fetched by name and ssm:GetParameter(s) on `*`. None of
 * these actions takes a resource narrower than `*`.
 */
export function ssmAgentPolicy(): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'SsmAgentRegisters',
        Effect: 'Allow',
        Action: ['ssm:UpdateInstanceInformation'],
        Resource: ['*'],
      },
      {
        Sid: 'SsmAgentRunCommandMessages',
        Effect: 'Allow',
        Action: [
          'ec2messages:AcknowledgeMessage',
          'ec2messages:DeleteMessage',
          'ec2messages:FailMessage',
          'ec2messages:GetEndpoint',
          'ec2messages:GetMessages',
          'ec2messages:SendReply',
        ],
        Resource: ['*'],
      },
      {
        Sid: 'SsmAgentChannels',
        Effect: 'Allow',
        Action: [
          'ssmmessages:CreateControlChannel',
          'ssmmessages:CreateDataChannel',
          'ssmmessages:OpenControlChannel',
          'ssmmessages:OpenDataChannel',
        ],
        Resource: ['*'],
      },
    ],
  }
}
