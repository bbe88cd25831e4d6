import t from 'tap'
import {
  cloudFormationTemplate,
  repositoryLogicalId,
  type Template,
} from '../../../controller/setup/cloudformation.ts'
import { ciRolePolicy, githubTrustPolicy, type IamInput } from '../../../controller/setup/iam.ts'
import { iamDocuments } from '../../../controller/setup/iam-documents.ts'
import { instanceRolePolicy, ssmAgentPolicy } from '../../../controller/setup/instance-policy.ts'
import { lifecyclePolicy } from '../../../controller/setup/lifecycle.ts'
import { resourceSpecProblems } from '../../support/cfn-resource-spec.ts'

const iam: IamInput = {
  githubRepo: 'acme/shop',
  environment: 'prod',
  namespace: 'prod',
  services: ['web', 'worker'],
  accountId: '123456789012',
  region: 'eu-west-1',
  repositories: ['shop/web', 'shop/worker'],
  tag: { key: 'Role', value: 'web' },
  documentName: 'ecr-ssm-deploy',
  instance: {
    parameterPaths: ['/app/prod/web/'],
    parameterNames: [],
    kmsKeys: ['arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'],
    managedInstanceCore: false,
  },
}
const documentContent = JSON.stringify({ schemaVersion: '2.2', description: 'test', mainSteps: [] })

function build(createOidcProvider = true, at: IamInput = iam): Template {
  const text = JSON.stringify(
    cloudFormationTemplate({
      iam: at,
      lifecycle: { keep: 30, untaggedDays: 7 },
      documentContent,
      createOidcProvider,
    }),
  )
  return JSON.parse(text) as Template
}

t.test('the template holds every resource a team needs', async (t) => {
  const template = build()
  t.strictSame(
    Object.entries(template.Resources).map(([id, resource]) => `${id}:${resource.Type}`),
    [
      'GitHubOidcProvider:AWS::IAM::OIDCProvider',
      'CiRole:AWS::IAM::Role',
      'InstanceRole:AWS::IAM::Role',
      'InstanceProfile:AWS::IAM::InstanceProfile',
      'RepositoryShopWeb:AWS::ECR::Repository',
      'RepositoryShopWorker:AWS::ECR::Repository',
      'DeployDocument:AWS::SSM::Document',
    ],
  )
  t.notOk('GitHubOidcProvider' in build(false).Resources, 'an existing provider is not created again')
})

t.test('its policies are exactly the ones `setup iam` and `setup lifecycle` print', async (t) => {
  const { Resources } = build()
  t.strictSame(Resources.CiRole?.Properties.AssumeRolePolicyDocument, githubTrustPolicy(iam))
  t.strictSame(Resources.CiRole?.Properties.Policies, [
    { PolicyName: 'ecr-ssm-deploy-ci', PolicyDocument: ciRolePolicy(iam) },
  ])
  t.strictSame(Resources.InstanceRole?.Properties.Policies, [
    { PolicyName: 'ecr-ssm-deploy-instance', PolicyDocument: instanceRolePolicy(iam) },
    { PolicyName: 'ecr-ssm-deploy-ssm-agent', PolicyDocument: ssmAgentPolicy() },
  ])
  t.notOk('ManagedPolicyArns' in (Resources.InstanceRole?.Properties ?? {}), 'no managed policy by default')
  const lifecycle = Resources.RepositoryShopWeb?.Properties.LifecyclePolicy as { LifecyclePolicyText: string }
  t.strictSame(JSON.parse(lifecycle.LifecyclePolicyText), lifecyclePolicy({ keep: 30, untaggedDays: 7 }))
  t.strictSame(Resources.DeployDocument?.Properties.Content, JSON.parse(documentContent))
})

t.test('the managed SSM policy is attached only when asked for', async (t) => {
  const asked = { ...iam, instance: { ...iam.instance, managedInstanceCore: true } }
  const wider = build(true, asked)
  t.strictSame(wider.Resources.InstanceRole?.Properties.ManagedPolicyArns, [
    'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore',
  ])
  t.strictSame(
    wider.Resources.InstanceRole?.Properties.ManagedPolicyArns,
    iamDocuments(asked).instanceRoleManagedPolicyArns,
  )
  t.strictSame(resourceSpecProblems(wider), [])
})

t.test('logical ids are alphanumeric', async (t) => {
  t.equal(repositoryLogicalId('team-a/web.api_v2'), 'RepositoryTeamAWebApiV2')
})

t.test('a later change to the document is a new version of it, not a replacement', async (t) => {
  // A custom-named resource cannot be replaced: with the default UpdateMethod (Replace) any change to the
  // content would fail every stack update. NewVersion updates it in place and makes it the default.
  const document = build().Resources.DeployDocument?.Properties
  t.equal(document?.Name, 'ecr-ssm-deploy')
  t.equal(document?.UpdateMethod, 'NewVersion')
})

t.test(
  'every resource fits the CloudFormation resource model: types, property names, required, values',
  async (t) => {
    t.strictSame(resourceSpecProblems(build(true)), [])
    t.strictSame(resourceSpecProblems(build(false)), [])
  },
)

t.test('the OIDC provider accepts the audience the CI role trusts, China included', async (t) => {
  for (const region of ['eu-west-1', 'cn-north-1']) {
    const at = { ...iam, region }
    const template = cloudFormationTemplate({
      iam: at,
      lifecycle: { keep: 30, untaggedDays: 7 },
      documentContent,
      createOidcProvider: true,
    })
    const trusted = githubTrustPolicy(at).Statement[0].Condition.StringEquals
    t.strictSame(
      template.Resources.GitHubOidcProvider?.Properties.ClientIdList,
      [trusted['token.actions.githubusercontent.com:aud']],
      region,
    )
  }
})
