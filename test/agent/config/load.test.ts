import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { loadConfig } from '../../../agent/config/load.ts'
import { parseConfig } from '../../../shared/agent-config/parse.ts'
import { ConfigError } from '../../../shared/errors.ts'

const FILE = '/etc/ecr-deploy/agent.yaml'
const REPO = '123456789012.dkr.ecr.us-east-1.amazonaws.com/web'

function errorOf(text: string): string {
  try {
    parseConfig(text, FILE, 'host-1')
  } catch (error) {
    if (error instanceof ConfigError) return error.message
    throw error
  }
  throw new Error('expected a ConfigError')
}

t.test('a minimal service gets every default', async (t) => {
  const config = parseConfig(`services:\n  web:\n    repository: ${REPO}\n`, FILE, 'Host_1')
  t.strictSame(config, {
    file: FILE,
    agentId: 'host-1',
    services: {
      web: {
        name: 'web',
        repository: REPO,
        strategy: 'recreate',
        drainTimeoutSeconds: 30,
        ports: [],
        env: {},
        envFromParameters: {},
        volumes: [],
        restart: 'unless-stopped',
        labels: {},
        init: true,
        stopTimeoutSeconds: 10,
        keepImages: 3,
        healthCheck: {
          probe: { kind: 'running' },
          intervalMs: 2000,
          timeoutMs: 2000,
          startPeriodMs: 2000,
          retries: 3,
        },
        allow: { hostPorts: [], volumeRoots: [], parameterPaths: [] },
      },
    },
  })
  t.ok(Object.isFrozen(config.services.web?.ports), 'frozen all the way down')
})

t.test('a full service is normalised to bytes, milliseconds and structured mappings', async (t) => {
  const text = `agentId: edge-7
services:
  api:
    repository: ${REPO}
    ports: ["8080:80", "127.0.0.1:9090:9090"]
    env: { MODE: prod, WORKERS: 4 }
    envFromParameters: { DB_PASSWORD: /api/db-password }
    volumes: ["/srv/data:/data", "/etc/ssl:/ssl:ro"]
    command: [serve, --port, "80"]
    user: "1000:1000"
    restart: always
    labels: { team: core }
    memory: 512m
    cpus: 1.5
    network: backend
    init: false
    stopTimeout: 30
    keepImages: 5
    healthCheck: { http: { path: /health, port: 80 }, interval: 1, timeout: 0.5, startPeriod: 10, retries: 4 }
`
  const api = parseConfig(text, FILE, 'ignored').services.api
  t.strictSame(api, {
    name: 'api',
    repository: REPO,
    strategy: 'recreate',
    drainTimeoutSeconds: 30,
    ports: [
      { hostPort: 8080, containerPort: 80 },
      { hostIp: '127.0.0.1', hostPort: 9090, containerPort: 9090 },
    ],
    env: { MODE: 'prod', WORKERS: '4' },
    envFromParameters: { DB_PASSWORD: '/api/db-password' },
    volumes: [
      { hostPath: '/srv/data', containerPath: '/data', readOnly: false },
      { hostPath: '/etc/ssl', containerPath: '/ssl', readOnly: true },
    ],
    command: ['serve', '--port', '80'],
    user: '1000:1000',
    restart: 'always',
    labels: { team: 'core' },
    memoryBytes: 512 * 1024 * 1024,
    cpus: 1.5,
    network: 'backend',
    init: false,
    stopTimeoutSeconds: 30,
    keepImages: 5,
    healthCheck: {
      probe: { kind: 'http', path: '/health', port: 80, expectedStatus: 200 },
      intervalMs: 1000,
      timeoutMs: 500,
      startPeriodMs: 10000,
      retries: 4,
    },
    allow: { hostPorts: [], volumeRoots: [], parameterPaths: [] },
  })
})

t.test('errors name the file, the key path, what was expected and what was found', async (t) => {
  const service = (body: string) => `services:\n  web:\n    repository: ${REPO}\n${body}`
  t.equal(
    errorOf(service('    ports: ["80"]\n')),
    `${FILE}: services.web.ports[0]: expected "host:container" such as "8080:80", found "80"`,
  )
  t.equal(
    errorOf(service('    restart: sometimes\n')),
    `${FILE}: services.web.restart: expected one of no, on-failure, always, unless-stopped, found "sometimes"`,
  )
  t.equal(
    errorOf(service('    imagee: x\n')),
    `${FILE}: services.web: unknown key "imagee": remove it or check its spelling`,
  )
  t.equal(
    errorOf(service('    healthCheck: { http: { path: /h, port: 80 }, tcp: { port: 80 } }\n')),
    `${FILE}: services.web.healthCheck: expected exactly one of http, tcp or docker`,
  )
  t.equal(
    errorOf(service('    memory: lots\n')),
    `${FILE}: services.web.memory: expected a size such as "512m", "1g" or a number of bytes, found "lots"`,
  )
  t.equal(
    errorOf('services:\n  web: {}\n'),
    `${FILE}: services.web.repository: is required (expected string)`,
  )
  t.equal(
    errorOf('services:\n  web:\n    repository: docker.io/library/nginx\n'),
    `${FILE}: services.web.repository: expected an ECR repository URI such as 123456789012.dkr.ecr.us-east-1.amazonaws.com/web (no tag), found "docker.io/library/nginx"`,
  )
  t.equal(
    errorOf(`services:\n  web:\n    repository: ${REPO}:v1\n`),
    `${FILE}: services.web.repository: expected an ECR repository URI such as 123456789012.dkr.ecr.us-east-1.amazonaws.com/web (no tag), found "${REPO}:v1"`,
  )
  t.equal(
    errorOf(`services:\n  Web_1:\n    repository: ${REPO}\n`),
    `${FILE}: services.Web_1: expected a service name of lowercase letters, digits and "-", found "Web_1"`,
  )
  t.equal(
    errorOf(service('    strategy: canary\n')),
    `${FILE}: services.web.strategy: expected "recreate" or "blue-green", found "canary"`,
  )
  t.equal(
    errorOf(service('    strategy: blue-green\n')),
    `${FILE}: services.web.ports: expected at least one port in "ports" with strategy blue-green (the proxy holds it)`,
  )
  t.match(errorOf('services: [\n'), /^\/etc\/ecr-deploy\/agent.yaml: invalid YAML: /)
  t.equal(errorOf(''), `${FILE}: services: is required (expected record)`)
})

t.test('loadConfig reads the file and reports an unreadable one', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'agent-config-'))
  const file = join(dir, 'agent.yaml')
  writeFileSync(file, `agentId: a1\nservices:\n  web:\n    repository: ${REPO}\n`)
  const config = await loadConfig(file)
  t.equal(config.agentId, 'a1')
  t.equal(config.file, file)
  await t.rejects(loadConfig(join(dir, 'missing.yaml')), {
    name: 'ConfigError',
    message: `${join(dir, 'missing.yaml')}: cannot read the configuration file (ENOENT)`,
  })
})
