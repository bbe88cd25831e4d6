import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CreateDocumentCommand, SSMClient } from '@aws-sdk/client-ssm'
import Docker from 'dockerode'
import t from 'tap'
import { DEPLOY_DOCUMENT_NAME, deployDocumentContent } from '../../controller/ssm/document.js'
import { type AgentProcess, startAgent } from '../agent/e2e/agent-process.js'
import { runController } from '../controller/run-controller.js'
import { startFakeAws } from '../ground/fake-aws/index.js'
import { testKeys } from '../ground/fake-aws/test-clients.js'
import { loadGround } from '../ground/ground.js'

/*
 * The whole product: the controller CLI sends our SSM document through the fake SSM to three simulated
 * instances, each running a real agent daemon against the real dockerd and the ECR-shaped registry, with
 * credentials from the fake IMDS. Instance C cannot run v2 (its configuration starts the app only when the
 * image is v1, as an instance-specific incompatibility would), so v2 with max-concurrency 1 fails there,
 * its agent restores v1 by itself, and --rollback-on-failure returns A and B to v1.
 */

const ground = loadGround()
const docker = new Docker({ socketPath: ground.dockerSocket })
const run = `fleet-${process.pid}-${Date.now().toString(36)}`
const dir = await mkdtemp(join(tmpdir(), 'fleet-e2e-'))
const repository = `${ground.registryHost}/${ground.images.v1.repository}`
const main = fileURLToPath(new URL('../../agent/cli/main.ts', import.meta.url))

const network = await docker.createNetwork({ Name: `${run}-net`, Driver: 'bridge' })
const aws = await startFakeAws({
  registry: {
    url: ground.registryUrl,
    user: ground.registryUser,
    password: ground.registryPassword,
    ca: ground.caCertPath,
  },
})
const agents: AgentProcess[] = []
t.teardown(async () => {
  for (const agent of agents) agent.child.kill('SIGKILL')
  await aws.close()
  const containers = await docker.listContainers({
    all: true,
    filters: { label: [`ecr-deploy.service=web`] },
  })
  const ours = containers.filter((c) => c.Labels['ecr-deploy.agent']?.startsWith(run))
  await Promise.all(ours.map((c) => docker.getContainer(c.Id).remove({ force: true })))
  await network.remove().catch(() => undefined)
  await rm(dir, { recursive: true, force: true })
})

// The agent CLI as an instance has it on PATH: a shim that runs it from source.
const bin = join(dir, 'bin')
await mkdir(bin)
// tsx by absolute URL: SSM runs the script in a fresh working directory, away from node_modules.
const tsx = import.meta.resolve('tsx')
await writeFile(
  join(bin, 'ecr-deploy-agent'),
  `#!/bin/sh\nexec "${process.execPath}" --import "${tsx}" "${main}" "$@"\n`,
)
await chmod(join(bin, 'ecr-deploy-agent'), 0o755)

const instances = [
  { id: 'i-00000000000000a01', name: 'a', port: await freePort(), v1Only: false },
  { id: 'i-00000000000000b02', name: 'b', port: await freePort(), v1Only: false },
  { id: 'i-00000000000000c03', name: 'c', port: await freePort(), v1Only: true },
]

for (const instance of instances) {
  const home = join(dir, instance.name)
  await mkdir(join(home, 'home'), { recursive: true })
  const config = join(home, 'agent.yaml')
  const command = instance.v1Only
    ? ['    command: ["/bin/sh", "-c", "grep -q v1 /www/index.html || exit 4; exec /bin/sh /app/run.sh"]']
    : []
  await writeFile(
    config,
    [
      `agentId: ${run}-${instance.name}`,
      'services:',
      '  web:',
      `    repository: ${repository}`,
      `    ports: ["127.0.0.1:${instance.port}:8080"]`,
      `    network: ${run}-net`,
      ...command,
      '    stopTimeout: 2',
      '    healthCheck:',
      '      http: { path: /health, port: 8080 }',
      '      interval: 0.2',
      '      startPeriod: 1',
      '      retries: 2',
      '',
    ].join('\n'),
  )
  const socket = join(home, 'agent.sock')
  agents.push(
    await startAgent(socket, {
      ...aws.env(),
      HOME: join(home, 'home'),
      ECR_DEPLOY_AGENT_CONFIG: config,
      ECR_DEPLOY_AGENT_STATE_DIR: join(home, 'state'),
      ECR_DEPLOY_AGENT_CRON_DESIRED_STATE: 'off',
    }),
  )
  aws.ssm.addInstance({
    id: instance.id,
    tags: { Role: 'web', Run: run },
    env: { PATH: `${bin}:${process.env.PATH ?? ''}`, ECR_DEPLOY_AGENT_SOCKET: socket, NODE_OPTIONS: '' },
  })
}

const ssm = new SSMClient({ endpoint: aws.endpoint, region: ground.region, credentials: testKeys() })
await ssm.send(
  new CreateDocumentCommand({
    Name: DEPLOY_DOCUMENT_NAME,
    Content: deployDocumentContent(),
    DocumentType: 'Command',
    DocumentFormat: 'JSON',
  }),
)

async function served(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined)
  return res ? (await res.text()).trim() : 'nothing'
}

const deploy = (tag: string, ...extra: string[]) =>
  runController(
    aws,
    dir,
    [
      'deploy',
      '--service',
      'web',
      '--image',
      `${repository}:${tag}`,
      '--targets',
      'tag:Role=web',
      '--timeout',
      '300',
      ...extra,
    ],
    {
      GITHUB_ACTIONS: 'true',
      GITHUB_STEP_SUMMARY: join(dir, `summary-${tag}.md`),
      GITHUB_OUTPUT: join(dir, `output-${tag}.txt`),
    },
  )

t.test('v1 reaches every instance', async (t) => {
  const result = await deploy('v1')
  t.equal(result.code, 0, `${result.stdout}\n${result.stderr}`)
  t.match(result.stdout, /3 succeeded, 0 unchanged, 0 failed/)
  for (const instance of instances) t.equal(await served(instance.port), 'v1', `${instance.name} serves v1`)
  // The CI keys drive ECR and SSM; no agent used them (the agents' pulls are signed by the IMDS role).
  const controllerCalls = aws.calls.filter((c) => c.accessKeyId === 'AKIDCONTROLLER').map((c) => c.operation)
  t.ok(controllerCalls.includes('DescribeImages') && controllerCalls.includes('SendCommand'))
  t.notOk(controllerCalls.includes('GetAuthorizationToken'), 'the controller never logs in to the registry')
})

t.test('v2 one at a time fails on C, and --rollback-on-failure returns the fleet to v1', async (t) => {
  const result = await deploy('v2', '--max-concurrency', '1', '--max-errors', '1', '--rollback-on-failure')
  t.equal(result.code, 10, `${result.stdout}\n${result.stderr}`)
  t.match(result.stdout, /i-00000000000000c03 failed: Failed: \[E_HEALTH_FAILED\]/)
  for (const instance of instances)
    t.equal(await served(instance.port), 'v1', `${instance.name} is back on v1`)
  const pinnedV1 = `${repository}@${ground.images.v1.digest}`
  t.equal(aws.ssm.parameter('/ecr-deploy/web'), pinnedV1, 'the desired release is v1 again')
  const summary = await readFile(join(dir, 'summary-v2.md'), 'utf8')
  t.match(summary, /\*\*2 succeeded, 0 unchanged, 1 failed\*\*/)
  t.match(summary, `### Rolled back to \`${pinnedV1}\``)
  t.match(summary, /2 instance\(s\) back on the previous release, 0 failed/)
  t.match(await readFile(join(dir, 'output-v2.txt'), 'utf8'), /rolled-back<<(\S+)\ntrue\n\1/)
})

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      )
    })
  })
}
