import { createReadStream } from 'node:fs'
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Docker from 'dockerode'
import t from 'tap'
import { artefactName, artefactStem } from '../../../shared/agent-artefact.ts'
import { VERSION } from '../../../shared/version.ts'
import { loadGround } from '../../ground/ground.ts'
import { agentExecutable, RELEASE_DIR } from '../../support/agent-executable.ts'
import { eventually } from '../../support/agent-process.ts'
import { freePort } from '../../support/free-port.ts'
import { installDeployDocument, startFakeOnGround } from '../../support/ground-aws.ts'
import { runController } from '../../support/run-controller.ts'
import { served } from '../../support/sim-fleet.ts'

/*
 * `setup agents` end to end: the controller sends the install script through the fake SSM's
 * AWS-RunShellScript to a simulated instance whose root is a scratch folder; the script downloads the
 * real tarball from a local HTTP server, checks it, installs it, and the installed executable (run by a
 * systemctl stand-in) then serves a deploy sent through our document.
 */

const ground = loadGround()
const aws = await startFakeOnGround(ground)
const dir = await mkdtemp(join(tmpdir(), 'install-agents-'))
const root = join(dir, 'root')
const ID = 'i-0000000000000a11a'
const arch = process.arch === 'arm64' ? 'arm64' : 'x64'
const tarball = artefactName(VERSION, arch)
const docker = new Docker({ socketPath: ground.dockerSocket })
const run = `install-${process.pid}`
const systemctlLog = join(dir, 'systemctl.log')
const binary = join(root, 'usr/local/bin/ecr-deploy-agent')

/** What the HTTP server serves for the tarball: the real file, or bytes a test puts in its place. */
let tampered: Buffer | undefined
const server = createServer((req, res) => {
  if (req.url !== `/v${VERSION}/${tarball}`) {
    res.writeHead(404).end()
    return
  }
  res.writeHead(200, { 'content-type': 'application/gzip' })
  if (tampered) res.end(tampered)
  else createReadStream(join(RELEASE_DIR, tarball)).pipe(res)
})
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
const address = server.address()
const urlBase = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/v${VERSION}`

const port = await freePort()
const network = await docker.createNetwork({ Name: `${run}-net`, Driver: 'bridge' })
const config = join(dir, 'agent.yaml')
await writeFile(
  config,
  [
    `agentId: ${run}`,
    'environment: prod',
    'services:',
    '  web:',
    `    repository: ${ground.registryHost}/${ground.images.v1.repository}`,
    `    ports: ["127.0.0.1:${port}:8080"]`,
    `    network: ${run}-net`,
    '    stopTimeout: 2',
    '    healthCheck:',
    '      http: { path: /health, port: 8080 }',
    '      interval: 0.2',
    '      startPeriod: 1',
    '',
  ].join('\n'),
)
const socket = join(dir, 'agent.sock')
const bin = join(dir, 'bin')
await mkdir(bin)
await copyFile(
  fileURLToPath(new URL('../../fixtures/install/systemctl', import.meta.url)),
  join(bin, 'systemctl'),
)
await mkdir(join(dir, 'home'))
aws.ssm.addInstance({
  id: ID,
  tags: { Role: 'web' },
  env: {
    // The installed executable first: the deploy document finds `ecr-deploy-agent` on PATH.
    PATH: `${join(root, 'usr/local/bin')}:${bin}:/usr/sbin:/usr/bin:/sbin:/bin`,
    ECR_DEPLOY_INSTALL_ROOT: root,
    SYSTEMCTL_LOG: systemctlLog,
    ECR_DEPLOY_AGENT_SOCKET: socket,
    ECR_DEPLOY_AGENT_STATE_DIR: join(dir, 'state'),
    HOME: join(dir, 'home'),
    ...aws.env(),
  },
})
await installDeployDocument(aws, ground.region)

t.teardown(async () => {
  for (const unit of ['ecr-deploy-agent', 'ecr-deploy-proxy']) {
    const pid = await readFile(join(root, `run/systemctl/${unit}.pid`), 'utf8').catch(() => '')
    if (pid !== '') process.kill(Number(pid), 'SIGKILL')
  }
  const containers = await docker.listContainers({
    all: true,
    filters: { label: [`ecr-deploy.agent=${run}`] },
  })
  await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true })))
  await network.remove().catch(() => undefined)
  await new Promise((resolve) => server.close(resolve))
  await aws.close()
  await rm(dir, { recursive: true, force: true })
})

const setupAgents = (...extra: string[]) =>
  runController(aws, join(dir, 'home'), [
    'setup',
    'agents',
    '--targets',
    'tag:Role=web',
    '--artefacts',
    RELEASE_DIR,
    '--url-base',
    urlBase,
    '--config',
    config,
    '--region',
    ground.region,
    '--timeout',
    '120',
    ...extra,
  ])
const systemctlCalls = async (): Promise<string[]> =>
  (await readFile(systemctlLog, 'utf8').catch(() => '')).trim().split('\n').filter(Boolean)
const agentAnswers = () =>
  eventually('the installed agent to answer', 30_000, async () => {
    const status = await runController(aws, join(dir, 'home'), [
      'status',
      '--service',
      'web',
      '--instance-ids',
      ID,
      '--region',
      ground.region,
    ])
    return status.code === 0 ? status : undefined
  })
const webContainer = async (): Promise<string | undefined> => {
  const [container] = await docker.listContainers({ filters: { label: [`ecr-deploy.agent=${run}`] } })
  return container?.Id
}

t.test(
  'a first install puts the executable, both units and the configuration in place, then starts them',
  async (t) => {
    const result = await setupAgents()
    t.equal(result.code, 0, `${result.stdout}\n${result.stderr}`)
    t.match(result.stdout, new RegExp(`agent ${VERSION}: 1 installed, 0 failed`))
    t.ok(
      (await readFile(binary)).equals(await readFile(agentExecutable())),
      'the binary is the one the tarball holds',
    )
    t.equal((await stat(binary)).mode & 0o777, 0o755)
    const staged = join(RELEASE_DIR, '..', 'sea', artefactStem(VERSION, arch))
    for (const unit of ['ecr-deploy-agent.service', 'ecr-deploy-proxy.service']) {
      t.equal(
        await readFile(join(root, 'etc/systemd/system', unit), 'utf8'),
        await readFile(join(staged, unit), 'utf8'),
      )
    }
    t.equal(await readFile(join(root, 'etc/ecr-deploy/agent.yaml'), 'utf8'), await readFile(config, 'utf8'))
    t.equal(
      (await stat(join(root, 'etc/ecr-deploy/agent.yaml'))).mode & 0o777,
      0o600,
      'the configuration is 0600',
    )
    t.strictSame(await systemctlCalls(), [
      'systemctl daemon-reload',
      'systemctl is-enabled --quiet ecr-deploy-proxy',
      'systemctl enable ecr-deploy-proxy',
      'systemctl is-enabled --quiet ecr-deploy-agent',
      'systemctl enable ecr-deploy-agent',
      'systemctl is-active --quiet ecr-deploy-proxy',
      'systemctl start ecr-deploy-proxy',
      'systemctl restart ecr-deploy-agent',
    ])
    await agentAnswers()
  },
)

t.test('the installed executable serves a deploy sent through the document', async (t) => {
  const deploy = await runController(aws, join(dir, 'home'), [
    'deploy',
    '--environment',
    'prod',
    '--service',
    'web',
    '--image',
    ground.images.v1.uri,
    '--instance-ids',
    ID,
    '--region',
    ground.region,
    '--timeout',
    '120',
  ])
  t.equal(deploy.code, 0, `${deploy.stdout}\n${deploy.stderr}`)
  t.equal(await served(port), 'v1')
})

t.test('installing the same version again changes nothing and restarts nothing', async (t) => {
  const before = await stat(binary)
  const container = await webContainer()
  await writeFile(systemctlLog, '')
  const result = await setupAgents()
  t.equal(result.code, 0, `${result.stdout}\n${result.stderr}`)
  t.match(result.stdout, /nothing changed/)
  t.equal((await stat(binary)).ino, before.ino, 'the binary file is the same file')
  t.strictSame(await systemctlCalls(), [
    'systemctl is-enabled --quiet ecr-deploy-proxy',
    'systemctl is-enabled --quiet ecr-deploy-agent',
    'systemctl is-active --quiet ecr-deploy-proxy',
    'systemctl is-active --quiet ecr-deploy-agent',
  ])
  t.equal(await webContainer(), container)
})

t.test(
  'an upgrade replaces the binary by a rename and restarts the agent only; the service keeps running',
  async (t) => {
    // An older build in place: any other bytes at the install path.
    await copyFile(binary, `${binary}.old`)
    await writeFile(`${binary}.old`, 'older build', { flag: 'a' })
    await import('node:fs/promises').then((fs) => fs.rename(`${binary}.old`, binary))
    const before = await stat(binary)
    const container = await webContainer()
    t.ok(container, 'the service runs before the upgrade')
    await writeFile(systemctlLog, '')
    const result = await setupAgents()
    t.equal(result.code, 0, `${result.stdout}\n${result.stderr}`)
    t.match(result.stdout, /installed \(linux-/)
    t.not((await stat(binary)).ino, before.ino, 'a new file was renamed over the old one')
    t.ok((await readFile(binary)).equals(await readFile(agentExecutable())))
    t.strictSame(
      await systemctlCalls(),
      [
        'systemctl is-enabled --quiet ecr-deploy-proxy',
        'systemctl is-enabled --quiet ecr-deploy-agent',
        'systemctl is-active --quiet ecr-deploy-proxy',
        'systemctl restart ecr-deploy-agent',
      ],
      'the proxy is not restarted without --restart-proxy',
    )
    await agentAnswers()
    t.equal(await webContainer(), container, 'the same container id before and after')
    t.equal(await served(port), 'v1')
  },
)

t.test('a tampered tarball is refused with both digests named, and nothing changes', async (t) => {
  const real = await readFile(join(RELEASE_DIR, tarball))
  tampered = Buffer.concat([real.subarray(0, real.length - 1), Buffer.from([(real.at(-1) ?? 0) ^ 0xff])])
  t.teardown(() => {
    tampered = undefined
  })
  const before = await stat(binary)
  await writeFile(systemctlLog, '')
  const result = await setupAgents('--restart-proxy')
  t.equal(result.code, 11, 'every instance failed')
  const expected = (await readFile(join(RELEASE_DIR, 'SHA256SUMS'), 'utf8')).match(
    new RegExp(`^([0-9a-f]{64})  ${tarball}$`, 'm'),
  )?.[1]
  const found = (await import('node:crypto')).createHash('sha256').update(tampered).digest('hex')
  t.match(result.stdout, /does not match its checksum; nothing was installed/)
  t.match(result.stdout, new RegExp(`expected sha256 ${expected}`))
  t.match(result.stdout, new RegExp(`found    sha256 ${found}`))
  t.equal((await stat(binary)).ino, before.ino, 'the binary is untouched')
  t.strictSame(await systemctlCalls(), [], 'no service was touched')
})

t.test('bad artefact flags are refused before anything is sent', async (t) => {
  const sent = aws.calls.filter((c) => c.operation === 'SendCommand').length
  const none = await runController(aws, join(dir, 'home'), [
    'setup',
    'agents',
    '--targets',
    'tag:Role=web',
    '--region',
    ground.region,
  ])
  t.equal(none.code, 2)
  t.match(none.stderr, /give --artefacts <dir>/)
  const badConfig = join(dir, 'bad.yaml')
  await writeFile(badConfig, 'services:\n  web:\n    repository: nope\n')
  const refused = await setupAgents('--config', badConfig)
  t.equal(refused.code, 2)
  t.match(refused.stderr, /bad\.yaml: services\.web\.repository: expected an ECR repository URI/)
  const wrongVersion = await setupAgents('--agent-version', '9.9.9')
  t.equal(wrongVersion.code, 2)
  t.match(wrongVersion.stderr, /no line for ecr-deploy-agent-9\.9\.9-linux-x64\.tar\.gz/)
  t.equal(aws.calls.filter((c) => c.operation === 'SendCommand').length, sent, 'nothing was sent')
})
