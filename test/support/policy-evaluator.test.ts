import t from 'tap'
import { allows, type EvaluatedPolicy } from './policy-evaluator.ts'

// The evaluator itself: each feature must be able to say no, or the IAM tests built on it prove nothing.
const policy = (statement: EvaluatedPolicy['Statement'][number]): EvaluatedPolicy => ({
  Statement: [statement],
})
const param = (name: string) => `arn:aws:ssm:eu-west-1:123456789012:parameter${name}`

t.test('an action and a resource must both match; actions ignore case, resources do not', async (t) => {
  const p = policy({ Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: [param('/a')] })
  t.ok(allows(p, { action: 'ssm:GetParameter', resource: param('/a') }))
  t.ok(allows(p, { action: 'SSM:getparameter', resource: param('/a') }))
  t.notOk(allows(p, { action: 'ssm:GetParameters', resource: param('/a') }), 'a longer action')
  t.notOk(allows(p, { action: 'ssm:GetParameter', resource: param('/A') }), 'a resource in another case')
  t.notOk(allows(p, { action: 'ssm:GetParameter', resource: param('/a/b') }), 'a resource below it')
})

t.test('wildcards: * spans slashes, ? is one character, regex characters are literal', async (t) => {
  const p = policy({
    Effect: 'Allow',
    Action: 'ssm:Get*',
    Resource: [param('/ecr-deploy/prod/*'), param('/x?')],
  })
  t.ok(allows(p, { action: 'ssm:GetParameterHistory', resource: param('/ecr-deploy/prod/web') }))
  t.ok(allows(p, { action: 'ssm:GetParameter', resource: param('/ecr-deploy/prod/a/b') }))
  t.notOk(allows(p, { action: 'ssm:PutParameter', resource: param('/ecr-deploy/prod/web') }))
  t.notOk(allows(p, { action: 'ssm:GetParameter', resource: param('/ecr-deploy/prod') }), 'the prefix itself')
  t.notOk(allows(p, { action: 'ssm:GetParameter', resource: param('/ecr-deploy/staging/web') }))
  t.ok(allows(p, { action: 'ssm:GetParameter', resource: param('/x1') }))
  t.notOk(allows(p, { action: 'ssm:GetParameter', resource: param('/x12') }))
  const dotted = policy({
    Effect: 'Allow',
    Action: 'kms:Decrypt',
    Resource: 'arn:aws:kms:eu-west-1:1:key/a.b',
  })
  t.notOk(
    allows(dotted, { action: 'kms:Decrypt', resource: 'arn:aws:kms:eu-west-1:1:key/aXb' }),
    '. is literal',
  )
})

t.test('StringEquals and StringLike conditions need the context key and a matching value', async (t) => {
  const p = policy({
    Effect: 'Allow',
    Action: 'kms:Decrypt',
    Resource: '*',
    Condition: { StringEquals: { 'kms:ViaService': 'ssm.eu-west-1.amazonaws.com' } },
  })
  t.ok(
    allows(p, {
      action: 'kms:Decrypt',
      resource: 'k',
      context: { 'kms:ViaService': 'ssm.eu-west-1.amazonaws.com' },
    }),
  )
  t.notOk(
    allows(p, {
      action: 'kms:Decrypt',
      resource: 'k',
      context: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' },
    }),
  )
  t.notOk(allows(p, { action: 'kms:Decrypt', resource: 'k' }), 'a direct call has no kms:ViaService')
  const like = policy({
    Effect: 'Allow',
    Action: 'ssm:SendCommand',
    Resource: '*',
    Condition: { StringLike: { 'ssm:resourceTag/Role': ['web-*', 'api'] } },
  })
  t.ok(
    allows(like, { action: 'ssm:SendCommand', resource: 'i', context: { 'ssm:resourceTag/Role': 'web-1' } }),
  )
  t.ok(allows(like, { action: 'ssm:SendCommand', resource: 'i', context: { 'ssm:resourceTag/Role': 'api' } }))
  t.notOk(
    allows(like, { action: 'ssm:SendCommand', resource: 'i', context: { 'ssm:resourceTag/Role': 'db' } }),
  )
})

t.test('an explicit Deny wins; an operator it does not know throws', async (t) => {
  const both: EvaluatedPolicy[] = [
    policy({ Effect: 'Allow', Action: 'ssm:*', Resource: '*' }),
    policy({ Effect: 'Deny', Action: 'ssm:PutParameter', Resource: param('/ecr-deploy/*') }),
  ]
  t.ok(allows(both, { action: 'ssm:PutParameter', resource: param('/other') }))
  t.notOk(allows(both, { action: 'ssm:PutParameter', resource: param('/ecr-deploy/prod/web') }))
  const odd = policy({
    Effect: 'Allow',
    Action: '*',
    Resource: '*',
    Condition: { IpAddress: { 'aws:SourceIp': '1.2.3.4' } },
  })
  t.throws(() => allows(odd, { action: 'ssm:GetParameter', resource: 'x' }), /IpAddress/)
})
