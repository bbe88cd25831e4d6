import {
  ciRolePolicy,
  githubTrustPolicy,
  type IamInput,
  type PolicyDocument,
  type TrustPolicy,
} from './iam.ts'
import { instanceManagedPolicyArns, instanceRolePolicy, ssmAgentPolicy } from './instance-policy.ts'

/** Every IAM document of a setup: what `setup iam` prints and what `setup cloudformation` embeds. */
export interface IamDocuments {
  readonly ciRoleTrustPolicy: TrustPolicy
  readonly ciRolePolicy: PolicyDocument
  readonly instanceRolePolicy: PolicyDocument
  /** The SSM Agent's own needs, in place of AmazonSSMManagedInstanceCore. */
  readonly ssmAgentPolicy: PolicyDocument
  /** Empty unless `--ssm-managed-instance-core` asked for the wider managed policy. */
  readonly instanceRoleManagedPolicyArns: readonly string[]
}

export function iamDocuments(input: IamInput): IamDocuments {
  return {
    ciRoleTrustPolicy: githubTrustPolicy(input),
    ciRolePolicy: ciRolePolicy(input),
    instanceRolePolicy: instanceRolePolicy(input),
    ssmAgentPolicy: ssmAgentPolicy(),
    instanceRoleManagedPolicyArns: instanceManagedPolicyArns(input),
  }
}
