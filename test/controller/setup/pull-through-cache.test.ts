import t from 'tap'
import type { CacheRule, CacheRuleStore } from '../../../controller/ecr/pull-through-cache-rules.ts'
import type { SecretDescription, SecretKeys, SecretStore } from '../../../controller/secrets/secret-store.ts'
import { createCacheRule } from '../../../controller/setup/create-cache-rule.ts'
import { UsageError } from '../../../shared/errors.ts'

const NAME = 'ecr-pullthroughcache/docker-hub'
const ARN = `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${NAME}-AbCdEf`

/** Recording fakes of the two ports: what was asked, in order. */
function ports(secret: SecretDescription | undefined, keys: SecretKeys, existing?: CacheRule) {
  const calls: string[] = []
  const secrets: SecretStore = {
    async describe(name) {
      calls.push(`describe ${name}`)
      return secret
    },
    async keys(arn) {
      calls.push(`keys ${arn}`)
      return keys
    },
  }
  const rules: CacheRuleStore = {
    async find(prefix) {
      calls.push(`find ${prefix}`)
      return existing
    },
    async create(rule) {
      calls.push(`create ${JSON.stringify(rule)}`)
    },
  }
  return { calls, ports: { secrets, rules } }
}

const good = { kind: 'json', keys: ['username', 'accessToken'] } as const
const input = { prefix: 'docker-hub', secretName: NAME, region: 'eu-west-1' }

t.test('checks the secret, then creates the Docker Hub rule and prints how to pull through it', async (t) => {
  const { calls, ports: p } = ports({ arn: ARN, name: NAME }, good)
  t.same(await createCacheRule(input, p), [
    `created pull-through cache rule docker-hub -> registry-1.docker.io with credentials ${ARN}`,
    'pull Docker Hub images through ECR as 123456789012.dkr.ecr.eu-west-1.amazonaws.com/docker-hub/<namespace>/<image>:<tag>, e.g.',
    '  FROM 123456789012.dkr.ecr.eu-west-1.amazonaws.com/docker-hub/library/node:24',
    'official images (node, nginx, postgres...) need the library/ namespace: docker-hub/library/node, not docker-hub/node',
    'the first pull of each image creates the repository docker-hub/<namespace>/<image>; give the instance role the cache with ecr-deploy setup iam --pull-through-cache docker-hub',
  ])
  t.same(calls, [
    `describe ${NAME}`,
    `keys ${ARN}`,
    'find docker-hub',
    `create {"prefix":"docker-hub","upstreamUrl":"registry-1.docker.io","credentialArn":"${ARN}"}`,
  ])
})

t.test('the same rule again is unchanged and creates nothing', async (t) => {
  const existing = { prefix: 'docker-hub', upstreamUrl: 'registry-1.docker.io', credentialArn: ARN }
  const { calls, ports: p } = ports({ arn: ARN, name: NAME }, good, existing)
  const lines = await createCacheRule(input, p)
  t.equal(
    lines[0],
    `unchanged: pull-through cache rule docker-hub -> registry-1.docker.io with credentials ${ARN}`,
  )
  t.notOk(calls.some((c) => c.startsWith('create')))
})

t.test('a rule of the prefix with other settings is refused, both named', async (t) => {
  const other = `arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/old-XyZ123`
  const existing = { prefix: 'docker-hub', upstreamUrl: 'registry-1.docker.io', credentialArn: other }
  const { calls, ports: p } = ports({ arn: ARN, name: NAME }, good, existing)
  await t.rejects(
    createCacheRule(input, p),
    new UsageError(
      `--prefix: ECR already has a pull-through cache rule "docker-hub" for registry-1.docker.io with ${other}, not registry-1.docker.io with ${ARN}: choose another --prefix, or delete that rule first (aws ecr delete-pull-through-cache-rule --ecr-repository-prefix docker-hub)`,
    ),
  )
  t.notOk(calls.some((c) => c.startsWith('create')))
})

t.test('every secret problem is refused before any rule is looked up or created', async (t) => {
  const cases: [string, Parameters<typeof ports>, string, RegExp][] = [
    [
      'wrong name prefix',
      [undefined, good],
      'docker-hub-creds',
      /does not start with ecr-pullthroughcache\//,
    ],
    [
      'missing',
      [undefined, good],
      NAME,
      /there is no secret "ecr-pullthroughcache\/docker-hub" in Secrets Manager in eu-west-1/,
    ],
    [
      'scheduled for deletion',
      [{ arn: ARN, name: NAME, deletedAt: new Date('2026-11-30T00:00:00Z') }, good],
      NAME,
      /is scheduled for deletion \(2026-11-30T00:00:00.000Z\): restore it/,
    ],
    [
      'not JSON',
      [{ arn: ARN, name: NAME }, { kind: 'not-json-object' }],
      NAME,
      /does not hold a JSON object/,
    ],
    [
      'a key missing',
      [
        { arn: ARN, name: NAME },
        { kind: 'json', keys: ['username', 'password'] },
      ],
      NAME,
      /has no accessToken key \(it has username, password\)/,
    ],
    [
      'both keys missing',
      [
        { arn: ARN, name: NAME },
        { kind: 'json', keys: [] },
      ],
      NAME,
      /has no username and no accessToken key \(it has none\)/,
    ],
  ]
  for (const [what, args, secretName, message] of cases) {
    const { calls, ports: p } = ports(...args)
    await t.rejects(createCacheRule({ ...input, secretName }, p), message, what)
    t.notOk(
      calls.some((c) => c.startsWith('find') || c.startsWith('create')),
      `${what}: no rule touched`,
    )
  }
  const { calls, ports: p } = ports(undefined, good)
  await t.rejects(
    createCacheRule({ ...input, secretName: 'ecr-pullthroughcache/x' }, p),
    /there is no secret/,
  )
  t.same(calls, ['describe ecr-pullthroughcache/x'], 'the value is not read when the secret does not exist')
})

t.test('a prefix ECR would refuse is refused first', async (t) => {
  const { calls, ports: p } = ports({ arn: ARN, name: NAME }, good)
  await t.rejects(
    createCacheRule({ ...input, prefix: 'Docker_Hub' }, p),
    /--prefix: "Docker_Hub" is not an ECR repository prefix/,
  )
  t.same(calls, [])
})
