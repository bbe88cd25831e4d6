import t from 'tap'
import { parseConfig } from '../../shared/agent-config/parse.ts'
import { effectiveService } from '../../shared/agent-config/policy.ts'
import type { ServiceConfig } from '../../shared/agent-config/types.ts'
import { PolicyRefusedError, ReleaseInvalidError } from '../../shared/errors.ts'
import { type ReleaseSpecText, releaseSpecSchema } from '../../shared/release.ts'

/*
 * The instance's file is policy: a release's spec overrides the service's entry and may ask for no more
 * than the entry has plus what `allow:` widens. Each refusal names the key, what the file allows and
 * where to widen it.
 */

const FILE = '/etc/ecr-deploy/agent.yaml'
const REPO = '123456789012.dkr.ecr.us-east-1.amazonaws.com/web'
const IMAGE = `${REPO}@sha256:${'a'.repeat(64)}`
const SOURCE = 'release /ecr-deploy/prod/web:7'

function serviceOf(...lines: string[]): ServiceConfig {
  const text = `environment: prod\nservices:\n  web:\n    repository: ${REPO}\n${lines.map((l) => `    ${l}`).join('\n')}\n`
  const service = parseConfig(text, FILE, 'host').services.web
  if (!service) throw new Error('no web service')
  return service
}

const plain = serviceOf(
  'ports: ["127.0.0.1:8080:80", "9000:90"]',
  'volumes: ["/srv/web/uploads:/data", "/srv/web/config:/config:ro"]',
  'envFromParameters: { DB: /app/prod/web/db }',
  'memory: 512m',
  'cpus: 1',
  'env: { MODE: file }',
)

function apply(service: ServiceConfig, spec: ReleaseSpecText, image = IMAGE): ServiceConfig {
  return effectiveService(service, FILE, { source: SOURCE, image, spec: releaseSpecSchema.parse(spec) })
}

function refusal(service: ServiceConfig, spec: ReleaseSpecText, image = IMAGE): string {
  try {
    apply(service, spec, image)
  } catch (error) {
    if (error instanceof PolicyRefusedError || error instanceof ReleaseInvalidError) return error.message
    throw error
  }
  throw new Error('expected a refusal')
}

t.test('keys the release leaves out keep the file entry; keys it gives replace them', async (t) => {
  t.same(apply(plain, {}), plain, 'an empty spec is the file entry')
  const merged = apply(plain, {
    env: { MODE: 'release' },
    command: ['node', 'server.js'],
    healthCheck: { tcp: { port: 80 }, retries: 5 },
    memory: '256m',
    ports: ['9000:91'],
    volumes: ['/srv/web/config:/etc/app:ro'],
    strategy: 'blue-green',
  })
  t.same(merged.env, { MODE: 'release' })
  t.same(merged.command, ['node', 'server.js'])
  t.same(merged.healthCheck, {
    probe: { kind: 'tcp', port: 80 },
    intervalMs: 2000,
    timeoutMs: 2000,
    startPeriodMs: 5000,
    retries: 5,
  })
  t.equal(merged.memoryBytes, 256 * 1024 ** 2)
  t.equal(merged.cpus, 1)
  t.same(merged.ports, [{ hostPort: 9000, containerPort: 91 }])
  t.same(merged.volumes, [{ hostPath: '/srv/web/config', containerPath: '/etc/app', readOnly: true }])
  t.equal(merged.strategy, 'blue-green')
  t.equal(merged.repository, REPO, 'the repository is the file entry')
  t.same(merged.envFromParameters, { DB: '/app/prod/web/db' })
})

t.test('the repository is never the release', async (t) => {
  const other = `123456789012.dkr.ecr.us-east-1.amazonaws.com/other@sha256:${'b'.repeat(64)}`
  t.equal(
    refusal(plain, {}, other),
    `${SOURCE}: image: ${other} is not from ${REPO}, the repository ${FILE} configures for service "web" (a release never chooses it); nothing was changed`,
  )
})

t.test('a host port outside the file', async (t) => {
  t.equal(
    refusal(plain, { ports: ['8081:80'] }),
    `${SOURCE}: spec.ports[0]: host port 8081 is outside what ${FILE} allows for service "web" (it allows 127.0.0.1:8080, 9000); add 8081 to services.web.allow.hostPorts to allow it; nothing was changed`,
  )
  t.equal(
    refusal(plain, { ports: ['8080:80'] }),
    `${SOURCE}: spec.ports[0]: host port 8080 is outside what ${FILE} allows for service "web" (it allows 127.0.0.1:8080, 9000); add 8080 to services.web.allow.hostPorts to allow it; nothing was changed`,
    'a port the file binds to one address is not allowed on every address',
  )
  const widened = serviceOf('allow: { hostPorts: [8081] }')
  t.same(apply(widened, { ports: ['8081:80', '127.0.0.1:8081:81'] }).ports, [
    { hostPort: 8081, containerPort: 80 },
    { hostIp: '127.0.0.1', hostPort: 8081, containerPort: 81 },
  ])
  t.equal(
    refusal(serviceOf(), { ports: ['80:80'] }),
    `${SOURCE}: spec.ports[0]: host port 80 is outside what ${FILE} allows for service "web" (it allows none); add 80 to services.web.allow.hostPorts to allow it; nothing was changed`,
  )
})

t.test('a volume outside the file and its roots', async (t) => {
  t.equal(
    refusal(plain, { volumes: ['/etc:/host-etc'] }),
    `${SOURCE}: spec.volumes[0]: host path /etc is outside what ${FILE} allows for service "web" (it allows /srv/web/uploads, /srv/web/config (ro)); add a root to services.web.allow.volumeRoots to allow it; nothing was changed`,
  )
  t.equal(
    refusal(plain, { volumes: ['/srv/web/config:/config'] }),
    `${SOURCE}: spec.volumes[0]: host path /srv/web/config is outside what ${FILE} allows for service "web" (it allows /srv/web/uploads, /srv/web/config (ro)); add a root to services.web.allow.volumeRoots to allow it; nothing was changed`,
    'a volume the file mounts read-only stays read-only',
  )
  const rooted = serviceOf('allow: { volumeRoots: [/srv/web] }')
  t.same(apply(rooted, { volumes: ['/srv/web/cache:/cache', '/srv/web:/all:ro'] }).volumes, [
    { hostPath: '/srv/web/cache', containerPath: '/cache', readOnly: false },
    { hostPath: '/srv/web', containerPath: '/all', readOnly: true },
  ])
  for (const path of ['/srv/web/../../etc', '/srv/webroot', '/srv/web/./x', '/srv/web//x']) {
    t.equal(
      refusal(rooted, { volumes: [`${path}:/x`] }),
      `${SOURCE}: spec.volumes[0]: host path ${path} is outside what ${FILE} allows for service "web" (it allows /srv/web/...); add a root to services.web.allow.volumeRoots to allow it; nothing was changed`,
      path,
    )
  }
})

t.test('a parameter outside the file and its paths, and never a release', async (t) => {
  t.equal(
    refusal(plain, { envFromParameters: { TOKEN: '/app/prod/api/token' } }),
    `${SOURCE}: spec.envFromParameters.TOKEN: parameter /app/prod/api/token is outside what ${FILE} allows for service "web" (it allows /app/prod/web/db); add a path to services.web.allow.parameterPaths to allow it; nothing was changed`,
  )
  const widened = serviceOf('allow: { parameterPaths: [/app/prod/web/] }')
  t.same(apply(widened, { envFromParameters: { TOKEN: '/app/prod/web/token' } }).envFromParameters, {
    TOKEN: '/app/prod/web/token',
  })
  t.equal(
    refusal(widened, { envFromParameters: { TOKEN: '/app/prod/web/../api/token' } }),
    `${SOURCE}: spec.envFromParameters.TOKEN: parameter /app/prod/web/../api/token is outside what ${FILE} allows for service "web" (it allows /app/prod/web/...); add a path to services.web.allow.parameterPaths to allow it; nothing was changed`,
  )
  t.equal(
    refusal(widened, { envFromParameters: { OTHER: '/ecr-deploy/prod/api' } }),
    `${SOURCE}: spec.envFromParameters.OTHER: parameter /ecr-deploy/prod/api is under /ecr-deploy/, where releases live; a release may never read it; nothing was changed`,
  )
})

t.test('memory and cpus above the limit', async (t) => {
  t.equal(
    refusal(plain, { memory: '1g' }),
    `${SOURCE}: spec.memory: 1 GiB is outside what ${FILE} allows for service "web" (at most 512 MiB); raise services.web.allow.maxMemory to allow it; nothing was changed`,
  )
  t.equal(
    refusal(plain, { cpus: 1.5 }),
    `${SOURCE}: spec.cpus: 1.5 is outside what ${FILE} allows for service "web" (at most 1); raise services.web.allow.maxCpus to allow it; nothing was changed`,
  )
  const widened = serviceOf('memory: 512m', 'cpus: 1', 'allow: { maxMemory: 1g, maxCpus: 2 }')
  t.equal(apply(widened, { memory: '1g', cpus: 2 }).memoryBytes, 1024 ** 3)
  t.equal(
    refusal(widened, { memory: '1025m' }),
    `${SOURCE}: spec.memory: 1025 MiB is outside what ${FILE} allows for service "web" (at most 1 GiB); raise services.web.allow.maxMemory to allow it; nothing was changed`,
  )
  t.equal(apply(serviceOf(), { memory: '8g', cpus: 16 }).cpus, 16, 'no limit when the file sets none')
})

t.test('every key at fault is named at once', async (t) => {
  t.equal(
    refusal(serviceOf(), { ports: ['80:80'], cpus: 2, volumes: ['/data:/data'] }),
    `${SOURCE}: spec.ports[0]: host port 80 is outside what ${FILE} allows for service "web" (it allows none); add 80 to services.web.allow.hostPorts to allow it; spec.volumes[0]: host path /data is outside what ${FILE} allows for service "web" (it allows none); add a root to services.web.allow.volumeRoots to allow it; nothing was changed`,
    'cpus has no limit when the file sets none',
  )
})

t.test('blue-green needs a port, from the release or the file', async (t) => {
  t.equal(
    refusal(serviceOf(), { strategy: 'blue-green' }),
    `${SOURCE}: spec.strategy: blue-green needs at least one port (the proxy holds it), and neither the release nor ${FILE} gives service "web" one; nothing was changed`,
  )
})
