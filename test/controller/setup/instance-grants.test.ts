import t from 'tap'
import {
  type FileGrants,
  grantsOfFile,
  parseInstanceGrants,
} from '../../../controller/setup/instance-grants.ts'

// A file's envFromParameters names and allow.parameterPaths become the instance role's grants; a file of
// another environment, or a name under /ecr-deploy/, is refused naming the file and key.

const file: FileGrants = {
  environment: 'prod',
  services: {
    web: {
      envFromParameters: { DATABASE_URL: '/app/prod/web/database-url' },
      allow: { parameterPaths: ['/app/prod/web/', '/shared/prod/'] },
    },
    worker: { envFromParameters: { QUEUE: '/app/prod/worker/queue' } },
  },
}

t.test('names and allowed paths of every service are granted', async (t) => {
  t.strictSame(grantsOfFile(file, 'agent.yaml', 'prod'), {
    paths: ['/app/prod/web/', '/shared/prod/'],
    names: ['/app/prod/web/database-url', '/app/prod/worker/queue'],
  })
  const { environment: _environment, ...unnamed } = file
  t.strictSame(grantsOfFile(unnamed, 'agent.yaml', 'prod').names.length, 2, 'a file without environment')
})

t.test(
  "a file of another environment is refused: its instances would read this one's releases",
  async (t) => {
    t.throws(() => grantsOfFile(file, 'agent.yaml', 'staging'), {
      code: 'E_USAGE',
      message:
        'agent.yaml: environment: "prod" is not this role\'s namespace "staging": give the agent.yaml of staging\'s instances, or --namespace prod',
    })
  },
)

t.test('a name under /ecr-deploy/ is refused, naming the key', async (t) => {
  const old: FileGrants = { services: { web: { envFromParameters: { DB: '/ecr-deploy/web/db' } } } }
  t.throws(() => grantsOfFile(old, 'agent.yaml', 'prod'), {
    message:
      /^agent\.yaml: services\.web\.envFromParameters\.DB: "\/ecr-deploy\/web\/db" is under \/ecr-deploy\//,
  })
  const bare: FileGrants = { services: { web: { envFromParameters: { DB: 'ecr-deploy/web/db' } } } }
  t.throws(() => grantsOfFile(bare, 'agent.yaml', 'prod'), 'without its leading slash too')
  const arn: FileGrants = {
    services: {
      web: { envFromParameters: { DB: 'arn:aws:ssm:eu-west-1:123456789012:parameter/ecr-deploy/prod/web' } },
    },
  }
  t.throws(() => grantsOfFile(arn, 'agent.yaml', 'prod'), 'as an ARN too')
  const near: FileGrants = { services: { web: { envFromParameters: { DB: '/ecr-deployments/db' } } } }
  t.strictSame(
    grantsOfFile(near, 'agent.yaml', 'prod').names,
    ['/ecr-deployments/db'],
    'a longer prefix is not it',
  )
})

t.test('flags and file together, each path once', async (t) => {
  const yaml = `services:
  web:
    repository: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/web
    envFromParameters: { DATABASE_URL: /app/prod/web/database-url, OTHER: /app/prod/web/database-url }
`
  const grants = parseInstanceGrants(
    { parameterPath: ['/app/prod/web/', '/app/prod/web/'], kmsKey: [] },
    'eu-west-1',
    'prod',
    { text: yaml, file: 'agent.yaml' },
  )
  t.strictSame(grants, {
    parameterPaths: ['/app/prod/web/'],
    parameterNames: ['/app/prod/web/database-url'],
    kmsKeys: [],
    managedInstanceCore: false,
    pullThroughCache: [],
  })
})

t.test('--pull-through-cache takes ECR prefixes, once each, and refuses others', async (t) => {
  t.same(
    parseInstanceGrants({ pullThroughCache: ['docker-hub', 'docker-hub'] }, 'eu-west-1', 'prod')
      .pullThroughCache,
    ['docker-hub'],
  )
  t.throws(
    () => parseInstanceGrants({ pullThroughCache: ['Docker Hub'] }, 'eu-west-1', 'prod'),
    /--pull-through-cache: "Docker Hub" is not an ECR repository prefix/,
  )
})
