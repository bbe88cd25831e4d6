import t from 'tap'
import { parseConfig } from '../../shared/agent-config/parse.ts'
import { ConfigError } from '../../shared/errors.ts'

/*
 * Bounds on the agent's configuration: each refusal names the file, the key path, what was expected and
 * what was found, and is a ConfigError (exit 2: systemd does not restart into it).
 */

const FILE = '/etc/ecr-deploy/agent.yaml'
const REPO = '123456789012.dkr.ecr.us-east-1.amazonaws.com/web'

function refusal(text: string): string {
  try {
    parseConfig(text, FILE, 'host')
  } catch (error) {
    if (error instanceof ConfigError) return error.message
    throw error
  }
  throw new Error('expected a ConfigError')
}

const service = (...lines: string[]) =>
  `services:\n  web:\n    repository: ${REPO}\n${lines.map((l) => `    ${l}`).join('\n')}\n`

t.test('memory below Docker minimum, cpus of zero', async (t) => {
  t.equal(
    refusal(service('memory: 4m')),
    `${FILE}: services.web.memory: expected at least 6 MiB (Docker's minimum), found "4m"`,
  )
  t.equal(refusal(service('cpus: 0')), `${FILE}: services.web.cpus: expected a number above 0, found 0`)
})

t.test('host addresses must be IP addresses', async (t) => {
  t.equal(
    refusal(service('ports: ["999.1.1.1:80:8080"]')),
    `${FILE}: services.web.ports[0]: expected a valid IPv4 address before the host port, found "999.1.1.1:80:8080"`,
  )
})

t.test('one host port per address across all services', async (t) => {
  const text = [
    'services:',
    '  web:',
    `    repository: ${REPO}`,
    '    ports: ["80:8080"]',
    '  api:',
    `    repository: ${REPO}`,
    '    ports: ["127.0.0.1:80:9000"]',
    '',
  ].join('\n')
  t.equal(
    refusal(text),
    `${FILE}: services.api.ports[0]: expected a host port no other service binds (services.web.ports[0] binds 0.0.0.0:80), found "127.0.0.1:80"`,
  )
  const apart = text.replace('127.0.0.1:80:9000', '81:9000')
  t.doesNotThrow(() => parseConfig(apart, FILE, 'host'))
  const twoAddresses = text.replace('"80:8080"', '"127.0.0.2:80:8080"')
  t.doesNotThrow(() => parseConfig(twoAddresses, FILE, 'host'), 'the same port on two addresses is fine')
})

t.test('a health path that is a path', async (t) => {
  t.equal(
    refusal(service('healthCheck:', '  http: { path: "/he alth", port: 8080 }')),
    `${FILE}: services.web.healthCheck.http.path: expected a URL path such as /health (no spaces or control characters), found "/he alth"`,
  )
})

t.test('timings within sane limits', async (t) => {
  t.equal(
    refusal(service('healthCheck:', '  tcp: { port: 8080 }', '  interval: 0.01')),
    `${FILE}: services.web.healthCheck.interval: expected between 0.1 and 3600 seconds, found 0.01`,
  )
  t.equal(
    refusal(service('healthCheck:', '  tcp: { port: 8080 }', '  timeout: 900')),
    `${FILE}: services.web.healthCheck.timeout: expected between 0.1 and 300 seconds, found 900`,
  )
  t.equal(
    refusal(service('healthCheck:', '  tcp: { port: 8080 }', '  retries: 1000')),
    `${FILE}: services.web.healthCheck.retries: expected between 1 and 100, found 1000`,
  )
  t.equal(
    refusal(service('healthCheck:', '  tcp: { port: 8080 }', '  startPeriod: 7200')),
    `${FILE}: services.web.healthCheck.startPeriod: expected between 0 and 3600 seconds, found 7200`,
  )
  t.equal(
    refusal(service('stopTimeout: 3600')),
    `${FILE}: services.web.stopTimeout: expected between 0 and 100 seconds, found 3600`,
  )
  t.equal(
    refusal(service('drainTimeout: 86400')),
    `${FILE}: services.web.drainTimeout: expected between 0 and 3600 seconds, found 86400`,
  )
})

t.test('service names that are object keys are refused', async (t) => {
  for (const name of ['constructor', 'prototype']) {
    t.equal(
      refusal(`services:\n  ${name}:\n    repository: ${REPO}\n`),
      `${FILE}: services.${name}: expected a service name other than "constructor", "prototype" or "__proto__", found "${name}"`,
    )
  }
})

t.test('a YAML alias bomb is a configuration error, not a crash', async (t) => {
  const bomb = [
    'a: &a ["x","x","x","x","x","x","x","x","x","x"]',
    'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]',
    'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]',
    'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]',
    'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]',
    'services: {}',
    '',
  ].join('\n')
  t.match(refusal(bomb), new RegExp(`^${FILE}: invalid YAML: .*alias`, 'i'))
})

t.test(
  'blue-green refuses two public ports on one container port, which the proxy could not tell apart',
  async (t) => {
    t.equal(
      refusal(service('strategy: blue-green', 'ports: ["80:8080", "81:8080"]')),
      `${FILE}: services.web.ports[1]: expected each public port on a container port of its own with strategy blue-green (ports[0] already maps container port 8080), found "81:8080"`,
    )
    t.doesNotThrow(
      () => parseConfig(service('strategy: blue-green', 'ports: ["80:8080", "443:8443"]'), FILE, 'host'),
      'two public ports on two container ports are two routes',
    )
    t.doesNotThrow(
      () => parseConfig(service('ports: ["80:8080", "81:8080"]'), FILE, 'host'),
      'recreate publishes both through Docker',
    )
  },
)

t.test('the environment names a release namespace', async (t) => {
  t.equal(
    refusal(`environment: Prod\n${service()}`),
    `${FILE}: environment: expected 1 to 32 lowercase letters, digits or "-", starting with a letter or digit, found "Prod"`,
  )
  t.equal(parseConfig(`environment: prod\n${service()}`, FILE, 'host').environment, 'prod')
  t.notOk('environment' in parseConfig(service(), FILE, 'host'), 'optional while migrating')
})

t.test('allow: what a release may ask for beyond the entry', async (t) => {
  t.equal(
    refusal(service('allow: { volumeRoots: [/srv/web/../etc] }')),
    `${FILE}: services.web.allow.volumeRoots[0]: expected an absolute, normalised path other than / (no "..", "." or "//"), found "/srv/web/../etc"`,
  )
  t.equal(
    refusal(service('allow: { volumeRoots: [/] }')),
    `${FILE}: services.web.allow.volumeRoots[0]: expected an absolute, normalised path other than / (no "..", "." or "//"), found "/"`,
  )
  t.equal(
    refusal(service('allow: { parameterPaths: [/app/prod/web] }')),
    `${FILE}: services.web.allow.parameterPaths[0]: expected a parameter path that starts and ends with "/", such as /app/prod/web/, found "/app/prod/web"`,
  )
  t.equal(
    refusal(service('allow: { parameterPaths: [/ecr-deploy/prod/] }')),
    `${FILE}: services.web.allow.parameterPaths[0]: expected a path outside /ecr-deploy/ (releases live there) and other than /, found "/ecr-deploy/prod/"`,
  )
  t.equal(
    refusal(service('allow: { hostPorts: [70000] }')),
    `${FILE}: services.web.allow.hostPorts[0]: expected between 1 and 65535, found 70000`,
  )
  t.equal(
    refusal(service('allow: { maxMemory: 1t }')),
    `${FILE}: services.web.allow.maxMemory: expected a size such as "512m", "1g" or a number of bytes, found "1t"`,
  )
  t.equal(
    refusal(service('allow: { privileged: true }')),
    `${FILE}: services.web.allow: unknown key "privileged": remove it or check its spelling`,
  )
  const text = [
    'services:',
    '  web:',
    `    repository: ${REPO}`,
    '    ports: ["80:8080"]',
    '  api:',
    `    repository: ${REPO}`,
    '    allow: { hostPorts: [81, 80] }',
    '',
  ].join('\n')
  t.equal(
    refusal(text),
    `${FILE}: services.api.allow.hostPorts[1]: expected a host port no other service binds (services.web.ports[0] binds 0.0.0.0:80), found 80`,
  )
  const twice = [
    'services:',
    '  web:',
    `    repository: ${REPO}`,
    '    allow: { hostPorts: [8081] }',
    '  api:',
    `    repository: ${REPO}`,
    '    allow: { hostPorts: [8081] }',
    '',
  ].join('\n')
  t.equal(
    refusal(twice),
    `${FILE}: services.api.allow.hostPorts[0]: expected a host port no other service may bind (services.web.allow.hostPorts[0] allows 8081), found 8081`,
  )
  const allowed = parseConfig(
    service(
      'allow: { hostPorts: [8081], volumeRoots: [/srv/web], parameterPaths: [/app/prod/web/], maxMemory: 1g, maxCpus: 2 }',
    ),
    FILE,
    'host',
  ).services.web?.allow
  t.same(allowed, {
    hostPorts: [8081],
    volumeRoots: ['/srv/web'],
    parameterPaths: ['/app/prod/web/'],
    maxMemoryBytes: 1024 ** 3,
    maxCpus: 2,
  })
  t.same(parseConfig(service(), FILE, 'host').services.web?.allow, {
    hostPorts: [],
    volumeRoots: [],
    parameterPaths: [],
  })
})
