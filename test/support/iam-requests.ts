import type { RecordedCall } from '../ground/fake-aws/server.ts'
import type { PolicyRequest } from './policy-evaluator.ts'

/**
 * What IAM authorizes for one call the code made (as the fake AWS recorded it off the wire), so that a test
 * can hold each call to a policy. An operation this does not know throws: a new call in the code must be
 * mapped here, and granted, before any test passes.
 */
export interface CallScope {
  readonly accountId: string
  readonly region: string
  /** Tags of the instances SendCommand reaches, by instance id. */
  readonly instanceTags: Readonly<Record<string, Readonly<Record<string, string>>>>
  /** The KMS key of each SecureString, by parameter name: a decrypting read also needs kms:Decrypt. */
  readonly secureStringKeys?: Readonly<Record<string, string>>
}

export function iamRequestsOf(call: RecordedCall, scope: CallScope): PolicyRequest[] {
  const { accountId, region } = scope
  const arn = (service: string, resource: string) => `arn:aws:${service}:${region}:${accountId}:${resource}`
  // A selector (`name:7`, `name:label`) is authorized as the parameter itself.
  const parameter = (name: unknown) =>
    arn(
      'ssm',
      `parameter/${String(name)
        .replace(/:[^/:]+$/, '')
        .replace(/^\//, '')}`,
    )
  const input = call.input as Record<string, unknown>
  const action = `${call.service}:${call.operation}`
  const decrypting = (names: unknown[]): PolicyRequest[] =>
    input.WithDecryption !== true
      ? []
      : names.flatMap((name) => {
          const key = scope.secureStringKeys?.[String(name).replace(/:[^/:]+$/, '')]
          const context = { 'kms:ViaService': `ssm.${region}.amazonaws.com` }
          return key === undefined ? [] : [{ action: 'kms:Decrypt', resource: key, context }]
        })
  switch (action) {
    case 'ssm:GetParameter':
    case 'ssm:PutParameter':
    case 'ssm:DeleteParameter':
    case 'ssm:GetParameterHistory':
      return [{ action, resource: parameter(input.Name) }, ...decrypting([input.Name])]
    case 'ssm:GetParameters': {
      const names = (input.Names as unknown[]) ?? []
      return [...names.map((name) => ({ action, resource: parameter(name) })), ...decrypting(names)]
    }
    case 'ssm:SendCommand': {
      // AlarmConfiguration: SSM reads the alarm as the caller.
      const alarms = (
        (input.AlarmConfiguration as { Alarms?: { Name?: string }[] } | undefined)?.Alarms ?? []
      ).map(
        (alarm): PolicyRequest => ({
          action: 'cloudwatch:DescribeAlarms',
          resource: arn('cloudwatch', `alarm:${String(alarm.Name)}`),
        }),
      )
      const document = String(input.DocumentName)
      const documentArn = document.startsWith('AWS-')
        ? `arn:aws:ssm:${region}::document/${document}`
        : arn('ssm', `document/${document}`)
      const ids = (input.InstanceIds as string[] | undefined) ?? Object.keys(scope.instanceTags)
      return [
        { action, resource: documentArn },
        ...ids.map((id) => ({
          action,
          resource: arn('ec2', `instance/${id}`),
          context: Object.fromEntries(
            Object.entries(scope.instanceTags[id] ?? {}).map(([k, v]) => [`ssm:resourceTag/${k}`, v]),
          ),
        })),
        ...alarms,
      ]
    }
    case 'cloudwatch:DescribeAlarms':
      return ((input.AlarmNames as string[] | undefined) ?? ['*']).map((name) => ({
        action,
        resource: name === '*' ? '*' : arn('cloudwatch', `alarm:${name}`),
      }))
    case 'ssm:DescribeInstanceInformation':
    case 'ssm:ListCommands':
    case 'ssm:ListCommandInvocations':
    case 'ssm:GetCommandInvocation':
    case 'ecr:GetAuthorizationToken':
      return [{ action, resource: '*' }]
    case 'ecr:DescribeImages':
    case 'ecr:DescribeImageScanFindings':
    case 'ecr:BatchGetImage':
    case 'ecr:PutImage':
    case 'ecr:BatchDeleteImage':
      return [{ action, resource: arn('ecr', `repository/${String(input.repositoryName)}`) }]
    default:
      throw new Error(`no IAM mapping for ${action}: add it to test/support/iam-requests.ts`)
  }
}
