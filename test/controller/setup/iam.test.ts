import t from 'tap'
import {
  ciRolePolicy,
  githubTrustPolicy,
  type IamInput,
  type PolicyDocument,
} from '../../../controller/setup/iam.ts'
import {
  instanceManagedPolicyArns,
  instanceRolePolicy,
  ssmAgentPolicy,
  ssmManagedInstanceCore,
} from '../../../controller/setup/instance-policy.ts'
import { allows } from '../../support/policy-evaluator.ts'

const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'
const OTHER_KEY = 'arn:aws:kms:eu-west-1:123456789012:key/99999999-12ab-34cd-56ef-1234567890ab'
const VIA_SSM = { 'kms:ViaService': 'ssm.eu-west-1.amazonaws.com' }

function role(over: Partial<IamInput> = {}): IamInput {
  return {
    githubRepo: 'acme/shop',
    environment: 'prod',
    namespace: 'prod',
    services: ['web'],
    accountId: '123456789012',
    region: 'eu-west-1',
    repositories: ['shop/web'],
    tag: { key: 'Role', value: 'web' },
    documentName: 'ecr-ssm-deploy',
    instance: {
      parameterPaths: ['/app/prod/web/'],
      parameterNames: ['/shared/prod/sentry-dsn'],
      kmsKeys: [KEY],
      managedInstanceCore: false,
    },
    ...over,
  }
}
const input = role()
const param = (name: string) => `arn:aws:ssm:eu-west-1:123456789012:parameter${name}`
const can = (policy: PolicyDocument | PolicyDocument[], action: string, resource: string, context = {}) =>
  allows(policy, { action, resource, context })
const PARAMETER_ACTIONS = [
  'ssm:GetParameter',
  'ssm:GetParameters',
  'ssm:GetParametersByPath',
  'ssm:GetParameterHistory',
  'ssm:PutParameter',
  'ssm:DeleteParameter',
  'ssm:LabelParameterVersion',
]

/** SendCommand needs an Allow on the document and on every target instance. */
function canSend(policy: PolicyDocument, document: string, instanceTags: Record<string, string>): boolean {
  const context = Object.fromEntries(
    Object.entries(instanceTags).map(([k, v]) => [`ssm:resourceTag/${k}`, v]),
  )
  return (
    can(policy, 'ssm:SendCommand', document) &&
    can(policy, 'ssm:SendCommand', 'arn:aws:ec2:eu-west-1:123456789012:instance/i-0abc', context)
  )
}

t.test('documents survive a JSON round trip and grant no wildcard action', async (t) => {
  for (const policy of [ciRolePolicy(input), instanceRolePolicy(input), ssmAgentPolicy()]) {
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

t.test('the CI role pushes to the named repository only', async (t) => {
  const ci = ciRolePolicy(input)
  t.ok(can(ci, 'ecr:PutImage', 'arn:aws:ecr:eu-west-1:123456789012:repository/shop/web'))
  t.notOk(can(ci, 'ecr:PutImage', 'arn:aws:ecr:eu-west-1:123456789012:repository/shop/admin'))
})

t.test("the CI role reads and writes exactly its services' release parameters", async (t) => {
  const ci = ciRolePolicy(role({ services: ['web', 'api'] }))
  const grants = ci.Statement.filter((s) => s.Action.some((a) => a.includes('Parameter')))
  t.strictSame(grants, [
    {
      Sid: 'ReleasesOfTheseServices',
      Effect: 'Allow',
      Action: ['ssm:GetParameter', 'ssm:GetParameterHistory', 'ssm:PutParameter'],
      Resource: [param('/ecr-deploy/prod/web'), param('/ecr-deploy/prod/api')],
    },
    {
      Sid: 'DeployLocksOfTheseServices',
      Effect: 'Allow',
      Action: ['ssm:DeleteParameter', 'ssm:GetParameter', 'ssm:PutParameter'],
      Resource: [param('/ecr-deploy-lock/prod/web'), param('/ecr-deploy-lock/prod/api')],
    },
  ])
  t.notOk(can(ci, 'ssm:DeleteParameter', param('/ecr-deploy/prod/web')), 'a release is never deleted')
  t.notOk(can(ci, 'ssm:PutParameter', param('/ecr-deploy-lock/staging/web')), "nor another's lock taken")
  for (const action of ['ssm:GetParameter', 'ssm:GetParameterHistory', 'ssm:PutParameter']) {
    t.ok(can(ci, action, param('/ecr-deploy/prod/web')), action)
    t.ok(can(ci, action, param('/ecr-deploy/prod/api')), action)
  }
})

t.test("the staging role cannot write production's release", async (t) => {
  const staging = ciRolePolicy(role({ environment: 'staging', namespace: 'staging' }))
  t.ok(can(staging, 'ssm:PutParameter', param('/ecr-deploy/staging/web')))
  for (const action of PARAMETER_ACTIONS) t.notOk(can(staging, action, param('/ecr-deploy/prod/web')), action)
  const { environment: _environment, ...onBranch } = input
  const branch = ciRolePolicy({ ...onBranch, branch: 'main', namespace: 'staging' })
  t.notOk(can(branch, 'ssm:PutParameter', param('/ecr-deploy/prod/web')), 'nor a branch role named staging')
})

t.test("the web role cannot write api's release, nor the old bare parameter", async (t) => {
  const web = ciRolePolicy(input)
  t.ok(can(web, 'ssm:PutParameter', param('/ecr-deploy/prod/web')))
  for (const name of [
    '/ecr-deploy/prod/api',
    '/ecr-deploy/prod/web-admin',
    '/ecr-deploy/web',
    '/ecr-deploy/prod',
  ])
    for (const action of PARAMETER_ACTIONS) t.notOk(can(web, action, param(name)), `${action} ${name}`)
})

t.test('no CI role can read a secret, or anything in Parameter Store beyond its releases', async (t) => {
  for (const ci of [ciRolePolicy(input), ciRolePolicy(role({ services: ['web', 'api'] }))]) {
    for (const name of [
      '/app/prod/web/database-url',
      '/ecr-deploy/prod/web/database-url',
      '/ecr-deploy/web/database-url',
      '/shared/prod/sentry-dsn',
      'db-password',
    ]) {
      for (const action of PARAMETER_ACTIONS) t.notOk(can(ci, action, param(name)), `${action} ${name}`)
    }
    t.notOk(can(ci, 'kms:Decrypt', KEY, VIA_SSM), 'nor decrypt with the key')
  }
})

t.test(
  'the instance role reads its environment’s releases and its file’s parameters, nothing else',
  async (t) => {
    const instance = instanceRolePolicy(input)
    t.ok(can(instance, 'ssm:GetParameter', param('/ecr-deploy/prod/web')))
    t.ok(can(instance, 'ssm:GetParameter', param('/ecr-deploy/prod/api')), 'every service of its environment')
    t.ok(can(instance, 'ssm:GetParameters', param('/app/prod/web/database-url')))
    t.ok(can(instance, 'ssm:GetParameters', param('/app/prod/web/nested/key')))
    t.ok(can(instance, 'ssm:GetParameters', param('/shared/prod/sentry-dsn')), 'a name from agent.yaml')
    const refused: Array<[string, string]> = [
      ['ssm:GetParameter', '/ecr-deploy/staging/web'],
      ['ssm:GetParameter', '/ecr-deploy/web'],
      ['ssm:GetParameters', '/ecr-deploy/prod/web'],
      ['ssm:GetParameters', '/app/prod/api/database-url'],
      ['ssm:GetParameters', '/app/prod/webhooks/token'],
      ['ssm:GetParameters', '/app/staging/web/database-url'],
      ['ssm:GetParameters', '/shared/prod/sentry-dsn-2'],
      ['ssm:GetParameter', '/app/prod/web/database-url'],
      ['ssm:GetParametersByPath', '/app/prod/web'],
      ['ssm:GetParametersByPath', '/ecr-deploy/prod'],
      ['ssm:GetParameterHistory', '/ecr-deploy/prod/web'],
      ['ssm:PutParameter', '/ecr-deploy/prod/web'],
      ['ssm:PutParameter', '/app/prod/web/database-url'],
    ]
    for (const [action, name] of refused) t.notOk(can(instance, action, param(name)), `${action} ${name}`)
    t.notOk(can(instance, 'ecr:PutImage', 'arn:aws:ecr:eu-west-1:123456789012:repository/shop/web'))
    t.ok(can(instance, 'ecr:BatchGetImage', 'arn:aws:ecr:eu-west-1:123456789012:repository/shop/web'))
  },
)

t.test('with no paths, names or keys, the instance role reads its releases only', async (t) => {
  const bare = instanceRolePolicy(
    role({ instance: { parameterPaths: [], parameterNames: [], kmsKeys: [], managedInstanceCore: false } }),
  )
  t.strictSame(
    bare.Statement.map((s) => s.Sid),
    ['EcrLogin', 'EcrPull', 'ReleasesOfThisEnvironment'],
  )
})

t.test('kms:Decrypt is allowed only through SSM, and only for the named key', async (t) => {
  const instance = instanceRolePolicy(input)
  t.ok(can(instance, 'kms:Decrypt', KEY, VIA_SSM))
  t.notOk(can(instance, 'kms:Decrypt', KEY), 'a direct call to KMS')
  t.notOk(
    can(instance, 'kms:Decrypt', KEY, { 'kms:ViaService': 'ssm.us-east-1.amazonaws.com' }),
    'another region',
  )
  t.notOk(
    can(instance, 'kms:Decrypt', KEY, { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' }),
    'another service',
  )
  t.notOk(can(instance, 'kms:Decrypt', OTHER_KEY, VIA_SSM), 'another key')
  t.notOk(can(instance, 'kms:Encrypt', KEY, VIA_SSM))
  const china = instanceRolePolicy(
    role({
      region: 'cn-north-1',
      instance: { ...input.instance, kmsKeys: ['arn:aws-cn:kms:cn-north-1:123456789012:key/k'] },
    }),
  )
  t.strictSame(china.Statement.at(-1)?.Condition, {
    StringEquals: { 'kms:ViaService': 'ssm.cn-north-1.amazonaws.com.cn' },
  })
})

t.test('the SSM Agent gets what Run Command needs and no parameter at all', async (t) => {
  const agent = ssmAgentPolicy()
  for (const action of [
    'ssm:UpdateInstanceInformation',
    'ec2messages:GetMessages',
    'ec2messages:AcknowledgeMessage',
    'ec2messages:SendReply',
    'ec2messages:FailMessage',
    'ec2messages:DeleteMessage',
    'ec2messages:GetEndpoint',
    'ssmmessages:CreateControlChannel',
    'ssmmessages:OpenControlChannel',
  ])
    t.ok(can(agent, action, '*'), action)
  for (const action of [...PARAMETER_ACTIONS, 'ssm:GetDocument', 'ssm:ListAssociations', 'ssm:PutInventory'])
    t.notOk(can(agent, action, param('/app/prod/web/database-url')), action)
  t.strictSame(instanceManagedPolicyArns(input), [], 'AmazonSSMManagedInstanceCore is not attached')
  t.strictSame(
    instanceManagedPolicyArns(role({ instance: { ...input.instance, managedInstanceCore: true } })),
    ['arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore'],
  )
})

t.test('the OIDC trust is limited to one repository and one branch or environment', async (t) => {
  const { environment: _environment, ...onBranch } = input
  t.strictSame(githubTrustPolicy({ ...onBranch, branch: 'main' }).Statement[0].Condition.StringEquals, {
    'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
    'token.actions.githubusercontent.com:sub': 'repo:acme/shop:ref:refs/heads/main',
  })
  const prod = githubTrustPolicy(input)
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
    const at = role({
      region,
      instance: { ...input.instance, kmsKeys: [`arn:${partition}:kms:${region}:123456789012:key/k`] },
    })
    const text = JSON.stringify([
      githubTrustPolicy(at),
      ciRolePolicy(at),
      instanceRolePolicy(at),
      ssmManagedInstanceCore(region),
    ])
    const used = new Set([...text.matchAll(/arn:([a-z-]*):/g)].map((m) => m[1]))
    t.strictSame([...used], [partition], region)
    t.ok(
      can(
        ciRolePolicy(at),
        'ecr:PutImage',
        `arn:${partition}:ecr:${region}:123456789012:repository/shop/web`,
      ),
    )
    t.ok(
      can(
        ciRolePolicy(at),
        'ssm:PutParameter',
        `arn:${partition}:ssm:${region}:123456789012:parameter/ecr-deploy/prod/web`,
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

t.test('the CI role reads only the named rollout alarms, and none without --alarm', async (t) => {
  const alarm = (name: string) => `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${name}`
  const watched = ciRolePolicy({ ...input, alarms: ['web-5xx', 'web-health'] })
  t.ok(can(watched, 'cloudwatch:DescribeAlarms', alarm('web-5xx')))
  t.ok(can(watched, 'cloudwatch:DescribeAlarms', alarm('web-health')))
  t.notOk(can(watched, 'cloudwatch:DescribeAlarms', alarm('billing')), 'another alarm')
  t.notOk(can(watched, 'cloudwatch:SetAlarmState', alarm('web-5xx')), 'it cannot silence the alarm')
  t.notOk(can(watched, 'cloudwatch:PutMetricAlarm', alarm('web-5xx')), 'or change it')
  const plain = ciRolePolicy(input)
  t.notOk(can(plain, 'cloudwatch:DescribeAlarms', alarm('web-5xx')), 'no alarm named: no CloudWatch')
  t.notOk(plain.Statement.some((s) => s.Action.some((a) => a.startsWith('cloudwatch:'))))
})

t.test(
  'the CI role may resolve tag targets to instances for waves, and nothing else of the inventory',
  async (t) => {
    const ci = ciRolePolicy(input)
    t.ok(can(ci, 'ssm:DescribeInstanceInformation', '*'))
    t.notOk(can(ci, 'ssm:DescribeInstanceProperties', '*'))
    t.notOk(can(ci, 'ssm:GetInventory', '*'))
  },
)

t.test('setup --alarm names alarms exactly: an IAM wildcard in a name is refused', async (t) => {
  const { parseIamFlags } = await import('../../../controller/setup/flags.ts')
  const flags = {
    githubRepo: 'acme/shop',
    account: '123456789012',
    region: 'eu-west-1',
    tag: 'Role=web',
    repository: ['shop/web'],
    environment: 'prod',
    service: ['web'],
  }
  t.strictSame(parseIamFlags({ ...flags, alarm: ['web-5xx', 'web-5xx'] }).alarms, ['web-5xx'])
  t.notOk('alarms' in parseIamFlags(flags))
  t.throws(() => parseIamFlags({ ...flags, alarm: ['web-*'] }), { message: /--alarm: "web-\*"/ })
})

t.test('--pull-through-cache lets the instances pull and import through that prefix only', async (t) => {
  const repo = (name: string) => `arn:aws:ecr:eu-west-1:123456789012:repository/${name}`
  const without = instanceRolePolicy(input)
  const cached = instanceRolePolicy(
    role({ instance: { ...input.instance, pullThroughCache: ['docker-hub'] } }),
  )
  const node = repo('docker-hub/library/node')
  t.notOk(can(without, 'ecr:BatchImportUpstreamImage', node), 'nothing without the flag')
  t.notOk(can(without, 'ecr:BatchGetImage', node))
  for (const action of [
    'ecr:BatchImportUpstreamImage',
    'ecr:CreateRepository',
    'ecr:BatchGetImage',
    'ecr:GetDownloadUrlForLayer',
    'ecr:BatchCheckLayerAvailability',
  ])
    t.ok(can(cached, action, node), `${action} on a cached repository`)
  for (const [action, resource] of [
    ['ecr:CreateRepository', repo('shop/other')],
    ['ecr:CreateRepository', repo('docker-hub')],
    ['ecr:CreateRepository', repo('docker-hubx/library/node')],
    ['ecr:BatchImportUpstreamImage', repo('shop/web')],
    ['ecr:BatchImportUpstreamImage', 'arn:aws:ecr:us-east-1:123456789012:repository/docker-hub/library/node'],
    ['ecr:PutImage', node],
    ['ecr:DeleteRepository', node],
    ['ecr:CreatePullThroughCacheRule', 'arn:aws:ecr:eu-west-1:123456789012:registry/*'],
  ] as const)
    t.notOk(can(cached, action, resource), `not ${action} ${resource}`)
})
