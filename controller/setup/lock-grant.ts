import { arnIn } from '../../shared/partition.js'
import { lockParameterName } from '../lock/lock-record.js'
import type { PolicyStatement } from './iam.js'

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
      arnIn(input.region, 'ssm', input.accountId, `parameter${lockParameterName(input.namespace, service)}`),
    ),
  }
}
