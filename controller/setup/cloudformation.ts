import { githubOidcAudienceOf, partitionOf } from '../../shared/partition.ts'
import { GITHUB_OIDC_HOST, type IamInput } from './iam.ts'
import { iamDocuments } from './iam-documents.ts'
import { type LifecycleInput, lifecyclePolicy } from './lifecycle.ts'

/**
 * A CloudFormation template that sets a team up in one `aws cloudformation deploy`: GitHub OIDC provider, CI
 * role, instance role and profile, ECR repositories with lifecycle policies, and our SSM document. Built from
 * the same builders as `setup iam`, `setup lifecycle` and `setup document`, so the three never disagree.
 */

export interface TemplateInput {
  readonly iam: IamInput
  readonly lifecycle: LifecycleInput
  /** The SSM document's JSON text, exactly as `setup document` installs it. */
  readonly documentContent: string
  /** An account has one GitHub OIDC provider; pass false when it exists already. */
  readonly createOidcProvider: boolean
}

type Resource = {
  readonly Type: string
  readonly Properties: Readonly<Record<string, unknown>>
  readonly DependsOn?: string
}

export interface Template {
  readonly AWSTemplateFormatVersion: '2010-09-09'
  readonly Description: string
  readonly Resources: Readonly<Record<string, Resource>>
  readonly Outputs: Readonly<Record<string, { readonly Description: string; readonly Value: unknown }>>
}

/** Logical id of the repository resource: CloudFormation ids are alphanumeric. */
export function repositoryLogicalId(name: string): string {
  const words = name.split(/[^a-zA-Z0-9]+/).filter(Boolean)
  return `Repository${words.map((word) => word[0]?.toUpperCase() + word.slice(1)).join('')}`
}

export function cloudFormationTemplate(input: TemplateInput): Template {
  const { iam } = input
  const documents = iamDocuments(iam)
  const managed = documents.instanceRoleManagedPolicyArns
  const lifecycleText = JSON.stringify(lifecyclePolicy(input.lifecycle))
  const repositories = Object.fromEntries(
    iam.repositories.map((name): [string, Resource] => [
      repositoryLogicalId(name),
      {
        Type: 'AWS::ECR::Repository',
        Properties: {
          RepositoryName: name,
          ImageScanningConfiguration: { ScanOnPush: true },
          LifecyclePolicy: { LifecyclePolicyText: lifecycleText },
        },
      },
    ]),
  )
  const oidc: Record<string, Resource> = input.createOidcProvider
    ? {
        GitHubOidcProvider: {
          Type: 'AWS::IAM::OIDCProvider',
          Properties: {
            Url: `https://${GITHUB_OIDC_HOST}`,
            ClientIdList: [githubOidcAudienceOf(partitionOf(iam.region))],
          },
        },
      }
    : {}
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `ecr-ssm-deploy for ${iam.githubRepo}: CI role, instance role, ECR repositories, SSM document`,
    Resources: {
      ...oidc,
      CiRole: {
        Type: 'AWS::IAM::Role',
        ...(input.createOidcProvider ? { DependsOn: 'GitHubOidcProvider' } : {}),
        Properties: {
          AssumeRolePolicyDocument: documents.ciRoleTrustPolicy,
          Policies: [{ PolicyName: 'ecr-ssm-deploy-ci', PolicyDocument: documents.ciRolePolicy }],
        },
      },
      InstanceRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
            ],
          },
          ...(managed.length > 0 ? { ManagedPolicyArns: [...managed] } : {}),
          Policies: [
            { PolicyName: 'ecr-ssm-deploy-instance', PolicyDocument: documents.instanceRolePolicy },
            { PolicyName: 'ecr-ssm-deploy-ssm-agent', PolicyDocument: documents.ssmAgentPolicy },
          ],
        },
      },
      InstanceProfile: {
        Type: 'AWS::IAM::InstanceProfile',
        Properties: { Roles: [{ Ref: 'InstanceRole' }] },
      },
      ...repositories,
      DeployDocument: {
        Type: 'AWS::SSM::Document',
        Properties: {
          Name: iam.documentName,
          DocumentType: 'Command',
          DocumentFormat: 'JSON',
          // The name is fixed (the CI role may send only this document), and a custom-named resource cannot
          // be replaced: a new version keeps later content changes from failing the stack update.
          UpdateMethod: 'NewVersion',
          Content: JSON.parse(input.documentContent) as unknown,
        },
      },
    },
    Outputs: {
      CiRoleArn: {
        Description: 'role-to-assume for aws-actions/configure-aws-credentials',
        Value: { 'Fn::GetAtt': ['CiRole', 'Arn'] },
      },
      InstanceProfileName: {
        Description: 'instance profile for the EC2 instances',
        Value: { Ref: 'InstanceProfile' },
      },
    },
  }
}
