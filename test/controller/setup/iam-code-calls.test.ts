import { CloudWatchClient } from '@aws-sdk/client-cloudwatch'
import { ECRClient } from '@aws-sdk/client-ecr'
import { CreateDocumentCommand, PutParameterCommand } from '@aws-sdk/client-ssm'
import t from 'tap'
import { EcrRegistryAuth } from '../../../agent/ecr/ecr-registry-auth.ts'
import { ParameterStore } from '../../../agent/ssm/parameter-store.ts'
import { SdkAlarmApi } from '../../../controller/cloudwatch/sdk-alarms.ts'
import { EcrImageRegistry } from '../../../controller/ecr/images.ts'
import { EcrImageRetention } from '../../../controller/ecr/retention.ts'
import { EcrScanFindings } from '../../../controller/ecr/scan-findings.ts'
import { lockParameterName } from '../../../controller/lock/lock-record.ts'
import { ciRolePolicy, type IamInput, type PolicyDocument } from '../../../controller/setup/iam.ts'
import { instanceRolePolicy } from '../../../controller/setup/instance-policy.ts'
import { SdkFleetApi } from '../../../controller/ssm/sdk-fleet-api.ts'
import { SdkLockParameterStore } from '../../../controller/ssm/sdk-lock-parameter.ts'
import { parseImageRef } from '../../../shared/image-ref.ts'
import { type FakeAws, MemoryRegistryContents } from '../../ground/fake-aws/index.ts'
import { fakeWithSsm, shellDocument, testKeys } from '../../ground/fake-aws/test-clients.ts'
import { type CallScope, iamRequestsOf } from '../../support/iam-requests.ts'
import { allows, type PolicyRequest } from '../../support/policy-evaluator.ts'

/*
 * Every policy grants only what the code calls: the real adapters run against the fake AWS, each call they
 * put on the wire is turned into what IAM would authorize, and each must be allowed; every Parameter Store,
 * Run Command and KMS action the policy grants must be one of those calls. The same adapters reaching for
 * another environment's or service's parameters, or a secret, are refused.
 */

const KEY = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'
const OTHER_KEY = 'arn:aws:kms:us-east-1:123456789012:key/99999999-12ab-34cd-56ef-1234567890ab'
const INSTANCE = 'i-0000000000000000a'
const input: IamInput = {
  githubRepo: 'acme/shop',
  environment: 'prod',
  namespace: 'prod',
  services: ['web'],
  accountId: '123456789012',
  region: 'us-east-1',
  repositories: ['shop/web'],
  tag: { key: 'Role', value: 'web' },
  documentName: 'ecr-ssm-deploy',
  alarms: ['web-5xx'],
  instance: {
    parameterPaths: ['/app/prod/web/'],
    parameterNames: ['/shared/prod/sentry-dsn'],
    kmsKeys: [KEY],
    managedInstanceCore: false,
  },
}
const scope: CallScope = {
  accountId: '123456789012',
  region: 'us-east-1',
  instanceTags: { [INSTANCE]: { Role: 'web' } },
  secureStringKeys: { '/app/prod/web/database-url': KEY, '/app/prod/web/other-key': OTHER_KEY },
}

/** The IAM requests of the calls `act` makes. */
async function requestsOf(aws: FakeAws, act: () => Promise<unknown>): Promise<PolicyRequest[]> {
  const from = aws.calls.length
  await act()
  return aws.calls.slice(from).flatMap((call) => iamRequestsOf(call, scope))
}
const describe = (r: PolicyRequest) =>
  `${r.action} ${r.resource}${r.context ? ` ${JSON.stringify(r.context)}` : ''}`
const ignore = () => undefined

/**
 * The policy's actions that this code calls through the SDK: Systems Manager, KMS (through SSM), for the
 * CI role the ECR calls of the scan gate and the deployed tags, and for the instance role ECR's token. The
 * other ECR actions are what the registry checks when Docker pulls (or the workflow's `docker push`
 * pushes) with that token, which no SDK call here shows.
 */
const CONTROLLER_ECR =
  /^ecr:(DescribeImages|DescribeImageScanFindings|BatchGetImage|PutImage|BatchDeleteImage)$/
function grantedActions(policy: PolicyDocument, withToken: boolean): string[] {
  const ours = withToken ? /^(ssm:|kms:|ecr:GetAuthorizationToken$)/ : /^(ssm|kms|cloudwatch):/
  return policy.Statement.flatMap((s) => s.Action).filter(
    (a) => ours.test(a) || (!withToken && CONTROLLER_ECR.test(a)),
  )
}

t.test(
  'the CI role allows every call the controller makes, and grants no call it does not make',
  async (t) => {
    const contents = new MemoryRegistryContents()
    const digest = contents.push('shop/web', 'v1', '{"schemaVersion":2,"layers":[]}')
    const { aws, ssm } = await fakeWithSsm(t, { contents })
    aws.ssm.addInstance({ id: INSTANCE, tags: { Role: 'web' } })
    await ssm.send(
      new CreateDocumentCommand({
        Name: 'ecr-ssm-deploy',
        Content: shellDocument(['true']),
        DocumentType: 'Command',
      }),
    )
    const api = new SdkFleetApi(ssm)
    const ecrClient = new ECRClient({ endpoint: aws.endpoint, region: 'us-east-1', credentials: testKeys() })
    const ecr = new EcrImageRegistry(ecrClient)
    const scans = new EcrScanFindings(ecrClient)
    const retention = new EcrImageRetention(ecrClient)
    const image = parseImageRef(`123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/web@${digest}`)
    const alarms = new SdkAlarmApi(
      new CloudWatchClient({ endpoint: aws.endpoint, region: 'us-east-1', credentials: testKeys() }),
    )
    aws.cloudwatch.setAlarm('web-5xx', 'OK')
    const release = '/ecr-deploy/prod/web'
    const made = await requestsOf(aws, async () => {
      await api.instancesMatching([{ key: 'tag:Role', values: ['web'] }])
      await alarms.alarmStates(['web-5xx'])
      await api.sendCommand({
        documentName: 'ecr-ssm-deploy',
        parameters: {},
        instanceIds: [INSTANCE],
        maxConcurrency: '1',
        maxErrors: '0',
        timeoutSeconds: 60,
        alarm: 'web-5xx',
      })
      const version = await api.putParameter(release, '{"format":1}')
      await api.getParameter(release)
      await api.getParameter(`${release}:${version}`).catch(ignore)
      await api.parameterHistory(release)
      const id = await api.sendCommand({
        documentName: 'ecr-ssm-deploy',
        parameters: {},
        targets: [{ key: 'tag:Role', values: ['web'] }],
        maxConcurrency: '1',
        maxErrors: '0',
        timeoutSeconds: 60,
      })
      await api.getCommand(id)
      await api.listInvocations(id)
      await api.getOutput(id, INSTANCE, 'run').catch(ignore)
      await ecr
        .resolve(parseImageRef('123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/web:v1'))
        .catch(ignore)
      // The deploy lock: take, read, renew or take over (read first, overwrite, check by version), release.
      const locks = new SdkLockParameterStore(ssm)
      const lock = lockParameterName('prod', 'web')
      await locks.create(lock, '{}')
      await locks.read(lock)
      const taken = await locks.overwrite(lock, '{}')
      await locks.readVersion(lock, taken)
      await locks.remove(lock)
      await scans.report(image)
      await retention.availability(image)
      await retention.tag(image, 'deployed-prod.web.2')
      await retention.untag(
        image,
        (await retention.tagged(image, 'deployed-')).map((d) => d.tag),
      )
    })
    const ci = ciRolePolicy(input)
    for (const request of made) t.ok(allows(ci, request), `allowed: ${describe(request)}`)
    const called = new Set(made.map((r) => r.action))
    for (const action of grantedActions(ci, false))
      t.ok(called.has(action), `${action} is called by the controller`)

    const elsewhere = await requestsOf(aws, async () => {
      await api.putParameter('/ecr-deploy/staging/web', '{}')
      await api.putParameter('/ecr-deploy/prod/api', '{}')
      await api.getParameter('/ecr-deploy/web')
      await api.parameterHistory('/app/prod/web/database-url')
      await api.getParameter('/app/prod/web/database-url')
      await alarms.alarmStates(['billing'])
      await new SdkLockParameterStore(ssm).remove(lockParameterName('staging', 'web'))
    })
    t.equal(elsewhere.length, 7)
    const otherRepository = parseImageRef(`123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/admin@${digest}`)
    elsewhere.push(
      ...(await requestsOf(aws, async () => {
        await retention.untag(otherRepository, ['deployed-prod.web.1']).catch(ignore)
        await retention.tag(otherRepository, 'deployed-prod.web.1').catch(ignore)
        await scans.report(otherRepository).catch(ignore)
      })),
    )
    t.equal(elsewhere.length, 10)
    for (const request of elsewhere) t.notOk(allows(ci, request), `refused: ${describe(request)}`)
  },
)

t.test(
  'the instance role allows every call the agent makes, and grants no call it does not make',
  async (t) => {
    const { aws, ssm } = await fakeWithSsm(t)
    const put = (Name: string, Value: string, Type: 'String' | 'SecureString' = 'String') =>
      ssm.send(new PutParameterCommand({ Name, Value, Type }))
    await put('/ecr-deploy/prod/web', '{"format":1}')
    await put('/app/prod/web/database-url', 'postgres://secret', 'SecureString')
    await put('/shared/prod/sentry-dsn', 'https://sentry')
    const store = new ParameterStore(ssm)
    const auth = new EcrRegistryAuth({
      clientFor: (region) => new ECRClient({ endpoint: aws.endpoint, region, credentials: testKeys() }),
    })
    const made = await requestsOf(aws, async () => {
      await store.find('/ecr-deploy/prod/web')
      await store.find('/ecr-deploy/prod/web:1').catch(ignore)
      await store.find('/ecr-deploy/prod/api')
      await store.get(['/app/prod/web/database-url', '/shared/prod/sentry-dsn'])
      await auth
        .authFor(parseImageRef('123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/web:v1'))
        .catch(ignore)
    })
    t.ok(
      made.some((r) => r.action === 'kms:Decrypt'),
      'the SecureString read needs the key',
    )
    const instance = instanceRolePolicy(input)
    for (const request of made) t.ok(allows(instance, request), `allowed: ${describe(request)}`)
    const called = new Set(made.map((r) => r.action))
    for (const action of grantedActions(instance, true))
      t.ok(called.has(action), `${action} is called by the agent`)

    const elsewhere = await requestsOf(aws, async () => {
      await store.find('/ecr-deploy/staging/web')
      await store.find('/ecr-deploy/web')
      await store.get(['/app/prod/api/database-url']).catch(ignore)
      await store.get(['/app/staging/web/database-url']).catch(ignore)
      await store.get(['/app/prod/web/other-key']).catch(ignore)
    })
    const refused = elsewhere.filter(
      (r) => r.resource !== 'arn:aws:ssm:us-east-1:123456789012:parameter/app/prod/web/other-key',
    )
    t.equal(refused.length, 5)
    for (const request of refused) t.notOk(allows(instance, request), `refused: ${describe(request)}`)
    const otherKey = elsewhere.find((r) => r.action === 'kms:Decrypt')
    t.equal(otherKey?.resource, OTHER_KEY)
    t.notOk(otherKey && allows(instance, otherKey), 'a SecureString under another key cannot be decrypted')
  },
)
