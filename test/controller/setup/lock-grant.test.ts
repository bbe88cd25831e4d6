import t from 'tap'
import { lockParameterName } from '../../../controller/lock/lock-record.ts'
import { lockGrantStatement } from '../../../controller/setup/iam.ts'
import { releaseParameterName } from '../../../shared/release.ts'

const ARN = 'arn:aws:ssm:eu-west-1:123456789012:parameter'

t.test('the CI role may create, read and delete exactly the listed services’ locks', async (t) => {
  const statement = lockGrantStatement({
    accountId: '123456789012',
    region: 'eu-west-1',
    namespace: 'prod',
    services: ['web', 'api'],
  })
  t.strictSame(statement, {
    Sid: 'DeployLocksOfTheseServices',
    Effect: 'Allow',
    Action: ['ssm:DeleteParameter', 'ssm:GetParameter', 'ssm:PutParameter'],
    Resource: [`${ARN}/ecr-deploy-lock/prod/web`, `${ARN}/ecr-deploy-lock/prod/api`],
  })
  // Exact names only: what is not listed is not granted.
  for (const denied of [
    lockParameterName('staging', 'web'),
    lockParameterName('prod', 'admin'),
    releaseParameterName('prod', 'web'),
    '/app/prod/web/database-url',
  ]) {
    t.notOk(statement.Resource.includes(`${ARN}${denied}`), `${denied} is not granted`)
  }
  t.notOk(
    statement.Resource.some((arn) => /[*?]/.test(arn)),
    'no wildcard',
  )
})

t.test('a GovCloud region names its partition', async (t) => {
  const statement = lockGrantStatement({
    accountId: '123456789012',
    region: 'us-gov-west-1',
    namespace: 'prod',
    services: ['web'],
  })
  t.strictSame(statement.Resource, [
    'arn:aws-us-gov:ssm:us-gov-west-1:123456789012:parameter/ecr-deploy-lock/prod/web',
  ])
})
