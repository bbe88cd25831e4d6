import t from 'tap'
import {
  ciRolePolicy,
  githubTrustPolicy,
  type IamInput,
  instanceRolePolicy,
  type PolicyDocument,
  ssmManagedInstanceCore,
} from '../../../controller/setup/iam.ts'

const input: IamInput = {
  githubRepo: 'acme/shop',
  branch: 'main',
  accountId: '123456789012',
  region: 'eu-west-1',
  repositories: ['shop/web'],
  tag: { key: 'Role', value: 'web' },
  documentName: 'ecr-ssm-deploy',
}

const glob = (pattern: string) =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`)

/** A small IAM evaluator: an explicit Allow whose action, resource and StringEquals conditions all match. */
function allows(
  policy: PolicyDocument,
  action: string,
  resource: string,
  context: Record<string, string> = {},
): boolean {
  return policy.Statement.some(
    (statement) =>
      statement.Action.some((a) => glob(a).test(action)) &&
      statement.Resource.some((r) => glob(r).test(resource)) &&
      Object.entries(statement.Condition?.StringEquals ?? {}).every(([key, value]) => context[key] === value),
  )
}

/** SendCommand needs an Allow on the document and on every target instance. */
function canSend(policy: PolicyDocument, document: string, instanceTags: Record<string, string>): boolean {
  const context = Object.fromEntries(
    Object.entries(instanceTags).map(([k, v]) => [`ssm:resourceTag/${k}`, v]),
  )
  return (
    allows(policy, 'ssm:SendCommand', document) &&
    allows(policy, 'ssm:SendCommand', 'arn:aws:ec2:eu-west-1:123456789012:instance/i-0abc', context)
  )
}

t.test('documents survive a JSON round trip and grant no wildcard action', async (t) => {
  for (const policy of [ciRolePolicy(input), instanceRolePolicy(input)]) {
    const parsed = JSON.parse(JSON.stringify(policy)) as PolicyDocument
    t.strictSame(parsed, policy)
    for (const statement of parsed.Statement) {
      for (const action of statement.Action) t.notMatch(action, /\*/, `${statement.Sid}: ${action}`)
    }
  }
})

t.test('the CI role can send our document to tagged instances only', async (t) => {
  const ci = ciRolePolicy(input)
  const ours = 'arn:aws:ssm:eu-west-1:123456789012:document/ecr-ssm-deploy'
  t.ok(canSend(ci, ours, { Role: 'web' }))
  t.notOk(canSend(ci, ours, { Role: 'db' }), 'another tag value')
  t.notOk(canSend(ci, ours, {}), 'an untagged instance')
  t.notOk(
    canSend(ci, 'arn:aws:ssm:eu-west-1::document/AWS-RunShellScript', { Role: 'web' }),
    'AWS-RunShellScript',
  )
  t.notOk(canSend(ci, 'arn:aws:ssm:eu-west-1:123456789012:document/other', { Role: 'web' }))
})

t.test('the CI role pushes to the named repository only and writes only our parameters', async (t) => {
  const ci = ciRolePolicy(input)
  t.ok(allows(ci, 'ecr:PutImage', 'arn:aws:ecr:eu-west-1:123456789012:repository/shop/web'))
  t.notOk(allows(ci, 'ecr:PutImage', 'arn:aws:ecr:eu-west-1:123456789012:repository/shop/admin'))
  t.ok(allows(ci, 'ssm:PutParameter', 'arn:aws:ssm:eu-west-1:123456789012:parameter/ecr-deploy/web'))
  t.notOk(allows(ci, 'ssm:PutParameter', 'arn:aws:ssm:eu-west-1:123456789012:parameter/prod/db-password'))
})

t.test('the instance role pulls and reads, but cannot push or write', async (t) => {
  const instance = instanceRolePolicy(input)
  const repo = 'arn:aws:ecr:eu-west-1:123456789012:repository/shop/web'
  t.ok(allows(instance, 'ecr:BatchGetImage', repo))
  t.notOk(allows(instance, 'ecr:PutImage', repo))
  t.ok(allows(instance, 'ssm:GetParameter', 'arn:aws:ssm:eu-west-1:123456789012:parameter/ecr-deploy/web'))
  t.notOk(allows(instance, 'ssm:PutParameter', 'arn:aws:ssm:eu-west-1:123456789012:parameter/ecr-deploy/web'))
})

t.test('the OIDC trust is limited to one repository and one branch or environment', async (t) => {
  t.strictSame(githubTrustPolicy(input).Statement[0].Condition.StringEquals, {
    'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
    'token.actions.githubusercontent.com:sub': 'repo:acme/shop:ref:refs/heads/main',
  })
  const { branch: _branch, ...withoutBranch } = input
  const prod = githubTrustPolicy({ ...withoutBranch, environment: 'prod' })
  t.equal(
    prod.Statement[0].Condition.StringEquals['token.actions.githubusercontent.com:sub'],
    'repo:acme/shop:environment:prod',
  )
  t.equal(
    prod.Statement[0].Principal.Federated,
    'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com',
  )
})

t.test('ARNs use the partition of the region', async (t) => {
  const cases: Array<[string, string]> = [
    ['cn-north-1', 'aws-cn'],
    ['us-gov-west-1', 'aws-us-gov'],
    ['eu-west-1', 'aws'],
  ]
  for (const [region, partition] of cases) {
    const at = { ...input, region }
    const text = JSON.stringify([
      githubTrustPolicy(at),
      ciRolePolicy(at),
      instanceRolePolicy(at),
      ssmManagedInstanceCore(region),
    ])
    const used = new Set([...text.matchAll(/arn:([a-z-]*):/g)].map((m) => m[1]))
    t.strictSame([...used], [partition], region)
    t.ok(
      allows(
        ciRolePolicy(at),
        'ecr:PutImage',
        `arn:${partition}:ecr:${region}:123456789012:repository/shop/web`,
      ),
    )
  }
})

t.test('the OIDC audience is the one configure-aws-credentials must ask for in the partition', async (t) => {
  const audience = (region: string) =>
    githubTrustPolicy({ ...input, region }).Statement[0].Condition.StringEquals[
      'token.actions.githubusercontent.com:aud'
    ]
  t.equal(audience('cn-north-1'), 'sts.amazonaws.com.cn')
  t.equal(audience('cn-northwest-1'), 'sts.amazonaws.com.cn')
  t.equal(audience('us-gov-west-1'), 'sts.amazonaws.com')
  t.equal(audience('eu-west-1'), 'sts.amazonaws.com')
})
