import {
  CreatePullThroughCacheRuleCommand,
  DescribePullThroughCacheRulesCommand,
  ECRClient,
} from '@aws-sdk/client-ecr'
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager'
import t, { type Test } from 'tap'
import { MemoryRegistryContents, startFakeAws } from './index.ts'
import { testKeys } from './test-clients.ts'

// The fake's pull-through cache rules and Secrets Manager through the SDK clients the controller uses (the
// CLI on the ground predates credentialArn).
const start = async (t: Test) => {
  const aws = await startFakeAws({ contents: new MemoryRegistryContents() })
  t.teardown(() => aws.close())
  const config = { endpoint: aws.endpoint, region: 'us-east-1', credentials: testKeys() }
  return { aws, ecr: new ECRClient(config), secrets: new SecretsManagerClient(config) }
}

t.test('a Docker Hub rule names an existing ecr-pullthroughcache/ secret, once per prefix', async (t) => {
  const { aws, ecr, secrets } = await start(t)
  const arn = aws.secretsManager.put('ecr-pullthroughcache/hub', '{"username":"u","accessToken":"t"}')
  t.match(
    arn,
    /^arn:aws:secretsmanager:us-east-1:123456789012:secret:ecr-pullthroughcache\/hub-[A-Za-z0-9]{6}$/,
  )
  const byName = await secrets.send(new DescribeSecretCommand({ SecretId: 'ecr-pullthroughcache/hub' }))
  t.equal(byName.ARN, arn)
  t.equal(
    (await secrets.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString,
    '{"username":"u","accessToken":"t"}',
  )
  const rule = {
    ecrRepositoryPrefix: 'docker-hub',
    upstreamRegistryUrl: 'registry-1.docker.io',
    credentialArn: arn,
  }
  await ecr.send(new CreatePullThroughCacheRuleCommand(rule))
  const found = await ecr.send(
    new DescribePullThroughCacheRulesCommand({ ecrRepositoryPrefixes: ['docker-hub'] }),
  )
  t.match(found.pullThroughCacheRules, [rule])
  await t.rejects(ecr.send(new CreatePullThroughCacheRuleCommand(rule)), {
    name: 'PullThroughCacheRuleAlreadyExistsException',
  })
  await t.rejects(
    ecr.send(
      new CreatePullThroughCacheRuleCommand({
        ...rule,
        ecrRepositoryPrefix: 'hub2',
        credentialArn: `${arn}x`,
      }),
    ),
    { name: 'SecretNotFoundException' },
  )
  const other = aws.secretsManager.put('docker-hub-creds', '{}')
  await t.rejects(
    ecr.send(
      new CreatePullThroughCacheRuleCommand({ ...rule, ecrRepositoryPrefix: 'hub3', credentialArn: other }),
    ),
    { name: 'InvalidParameterException', message: /ecr-pullthroughcache\// },
  )
})

t.test('a secret scheduled for deletion is described with its date and cannot be read', async (t) => {
  const { aws, secrets } = await start(t)
  aws.secretsManager.put('ecr-pullthroughcache/old', '{}')
  aws.secretsManager.scheduleDeletion('ecr-pullthroughcache/old')
  const described = await secrets.send(new DescribeSecretCommand({ SecretId: 'ecr-pullthroughcache/old' }))
  t.type(described.DeletedDate, Date)
  await t.rejects(secrets.send(new GetSecretValueCommand({ SecretId: 'ecr-pullthroughcache/old' })), {
    name: 'InvalidRequestException',
  })
  await t.rejects(secrets.send(new DescribeSecretCommand({ SecretId: 'nope' })), {
    name: 'ResourceNotFoundException',
  })
})
