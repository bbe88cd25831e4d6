import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { listenOnSocket } from '../../../agent/api/listen.ts'
import { buildServer } from '../../../agent/api/server.ts'
import {
  BusyError,
  ConfigError,
  HealthFailedError,
  PullFailedError,
  RollbackFailedError,
  UsageError,
} from '../../../shared/errors.ts'
import { DIGEST_1, DIGEST_2, FakeDeployer, IMAGE_REPO } from '../../support/fake-deployer.ts'
import { lastJson, runCli, runCliInProcess } from '../../support/run-agent-cli.ts'

/* The CLI's program runs in this process against a daemon on a socket; the last test runs the bin as a process. */

const IMAGE = `${IMAGE_REPO}:v2`

async function tempSocket(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'agent-cli-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return join(dir, 'agent.sock')
}

async function daemon(reloadValid = true) {
  const socket = await tempSocket()
  const deployer = new FakeDeployer()
  const app = buildServer({
    deployer,
    reload: async () => {
      if (!reloadValid)
        throw new ConfigError('/etc/ecr-deploy/agent.yaml: services.web.ports[0]: expected "host:container"')
      return { services: ['web'], message: 'configuration reloaded: 1 service (web)' }
    },
  })
  t.teardown(() => app.close())
  await listenOnSocket(app, socket)
  return { socket, deployer }
}

t.test('deploy prints compact progress, then the JSON result as the last line', async (t) => {
  const { socket, deployer } = await daemon()
  const run = await runCliInProcess([
    '--socket',
    socket,
    'deploy',
    '--service',
    'web',
    '--image',
    IMAGE,
    '--wait',
  ])
  t.equal(run.code, 0, run.stderr)
  t.match(
    run.lines[0],
    /^\[\s*\d+\.\ds\] pull: pulling 123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com\/web:v2$/,
  )
  t.match(run.lines[1], /^\[\s*\d+\.\ds\] health: healthy after 1 check$/)
  t.equal(run.lines[2], `deployed: deployed ${IMAGE}`)
  t.strictSame(lastJson(run), {
    result: 'deployed',
    service: 'web',
    image: `${IMAGE_REPO}@${DIGEST_2}`,
    digest: DIGEST_2,
    previousDigest: DIGEST_1,
    durationMs: 1234,
    message: `deployed ${IMAGE}`,
  })
  t.equal(run.stderr, '')
  t.strictSame(deployer.calls, [{ method: 'deploy', service: 'web', image: IMAGE, wait: true }])
})

t.test('--json keeps stdout to the single result line (progress goes to stderr)', async (t) => {
  const { socket } = await daemon()
  const run = await runCliInProcess([
    '--socket',
    socket,
    'deploy',
    '--service',
    'web',
    '--image',
    IMAGE,
    '--json',
  ])
  t.equal(run.code, 0)
  t.equal(run.lines.length, 1)
  t.match(lastJson(run), { result: 'deployed', digest: DIGEST_2 })
  t.match(run.stderr, /pull: pulling/)
})

t.test('daemon errors become catalogue exit codes, with the result line still last', async (t) => {
  const { socket, deployer } = await daemon()
  const cases = [
    [new HealthFailedError('web: v2 failed /health (500) three times; r1 restored'), 5, 'rolled-back'],
    [new BusyError('web is being deployed by another command'), 3, 'failed'],
    [new PullFailedError('pull of web:v2 failed: manifest unknown'), 4, 'failed'],
    [new RollbackFailedError('web: restoring r1 failed: port 8080 in use'), 6, 'failed'],
  ] as const
  for (const [error, exitCode, result] of cases) {
    deployer.onDeploy = async (request) => {
      request.onProgress?.({ service: 'web', phase: 'pull', message: 'pulling' })
      throw error
    }
    const run = await runCliInProcess(['--socket', socket, 'deploy', '--service', 'web', '--image', IMAGE])
    t.equal(run.code, exitCode, error.code)
    t.equal(run.stderr, `error [${error.code}]: ${error.message}\nhint: ${error.hint}\n`)
    t.match(run.lines[0], /pull: pulling/)
    t.match(lastJson(run), {
      result,
      service: 'web',
      image: IMAGE,
      digest: null,
      code: error.code,
      message: error.message,
    })
  }
})

t.test(
  'text from a container or Docker reaches the terminal without the controls a terminal acts on',
  async (t) => {
    const { socket, deployer } = await daemon()
    // A failed container's last log lines travel in the health error's message; Docker's pull status in progress.
    const hostile = 'web failed: last log lines: \x1b]0;owned\x07\x1b[2J\u202eevil\u009b31m done\r'
    deployer.onDeploy = async (request) => {
      request.onProgress?.({ service: 'web', phase: 'pull', message: 'Status: \x1b[1A\x1b[2Kfaked' })
      throw new HealthFailedError(hostile)
    }
    const run = await runCliInProcess(['--socket', socket, 'deploy', '--service', 'web', '--image', IMAGE])
    t.equal(run.code, 5)
    t.equal(
      run.stderr.split('\n')[0],
      'error [E_HEALTH_FAILED]: web failed: last log lines: ]0;owned[2Jevil31m done',
    )
    t.match(run.lines[0], /pull: Status: \[1A\[2Kfaked$/)
    const controls = (text: string) =>
      [...text].filter((char) => {
        const code = char.codePointAt(0) ?? 0
        return (
          (code < 0x20 && char !== '\n') ||
          (code >= 0x7f && code <= 0x9f) ||
          (code >= 0x202a && code <= 0x202e)
        )
      })
    t.strictSame(controls(run.stdout), [], 'no control character on stdout')
    t.strictSame(controls(run.stderr), [], 'no control character on stderr')
    // The result line is still JSON, with the message as the controller receives it.
    t.match(lastJson(run), { code: 'E_HEALTH_FAILED', message: /^web failed: last log lines: / })
  },
)

t.test(
  'pull prints the pulled result line; a failed pull ends with a failed line and its code',
  async (t) => {
    const { socket, deployer } = await daemon()
    const run = await runCliInProcess(['--socket', socket, 'pull', '--service', 'web', '--image', IMAGE])
    t.equal(run.code, 0, run.stderr)
    t.strictSame(lastJson(run), {
      result: 'pulled',
      service: 'web',
      image: `${IMAGE_REPO}@${DIGEST_2}`,
      digest: DIGEST_2,
      previousDigest: null,
      durationMs: 55,
      message: `pulled ${IMAGE_REPO}@${DIGEST_2}; no container was changed`,
    })
    t.strictSame(deployer.calls, [{ method: 'pull', service: 'web', image: IMAGE }])

    const error = new PullFailedError('pull of web:v2 failed: manifest unknown')
    deployer.onPull = async () => {
      throw error
    }
    const failed = await runCliInProcess(['--socket', socket, 'pull', '--service', 'web', '--image', IMAGE])
    t.equal(failed.code, 4)
    t.match(lastJson(failed), { result: 'failed', code: 'E_PULL_FAILED', message: error.message })

    const neither = await runCliInProcess(['--socket', socket, 'pull', '--service', 'web'])
    t.equal(neither.code, 2)
    t.match(neither.stderr, /pull takes exactly one of --release <selector>/)
    t.equal(deployer.calls.length, 2, 'a refused command reaches no daemon')
  },
)

t.test('rollback passes --to and prints the rolled-back result', async (t) => {
  const { socket, deployer } = await daemon()
  const run = await runCliInProcess(['--socket', socket, 'rollback', '--service', 'web', '--to', 'r1'])
  t.equal(run.code, 0, run.stderr)
  t.match(lastJson(run), { result: 'rolled-back', digest: DIGEST_1, previousDigest: DIGEST_2 })
  t.strictSame(deployer.calls, [{ method: 'rollback', service: 'web', to: 'r1' }])
})

t.test('bad flags are refused with exit 2 before the daemon is asked', async (t) => {
  const { socket, deployer } = await daemon()
  const badService = await runCliInProcess([
    '--socket',
    socket,
    'deploy',
    '--service',
    'Web_1',
    '--image',
    IMAGE,
  ])
  t.equal(badService.code, 2)
  t.match(badService.stderr, /^error \[E_USAGE\]: service name "Web_1" is invalid/)
  t.match(lastJson(badService), { result: 'failed', code: 'E_USAGE' })
  const badImage = await runCliInProcess([
    '--socket',
    socket,
    'deploy',
    '--service',
    'web',
    '--image',
    'nginx:latest',
  ])
  t.equal(badImage.code, 2)
  t.match(badImage.stderr, /^error \[E_IMAGE_REF_INVALID\]: image "nginx:latest" has no registry/)
  const missing = await runCliInProcess(['--socket', socket, 'deploy', '--service', 'web'])
  t.equal(missing.code, 2)
  t.equal(
    missing.stderr.split('\n')[0],
    'error [E_USAGE]: deploy takes exactly one of --release <selector> (such as /ecr-deploy/prod/web:7) and --image <uri>',
  )
  const both = await runCliInProcess([
    '--socket',
    socket,
    'deploy',
    '--service',
    'web',
    '--image',
    IMAGE,
    '--release',
    '/ecr-deploy/prod/web:7',
  ])
  t.equal(both.code, 2, 'an image and a release at once')
  const badTo = await runCliInProcess([
    '--socket',
    socket,
    'rollback',
    '--service',
    'web',
    '--to',
    'r1;reboot',
  ])
  t.equal(badTo.code, 2)
  t.match(badTo.stderr, /^error \[E_USAGE\]: --to "r1;reboot" is not a release id/)
  t.match(lastJson(badTo), { result: 'failed', code: 'E_USAGE', image: null })
  const unknown = await runCliInProcess(['--socket', socket, 'frobnicate'])
  t.equal(unknown.code, 2)
  t.match(unknown.stderr, /error \[E_USAGE\]: unknown command 'frobnicate'/)
  t.strictSame(deployer.calls, [])
  const help = await runCliInProcess(['--help'])
  t.equal(help.code, 0)
  t.match(help.stdout, /deploy \[options\]/)
})

t.test('a daemon that is not running is reported clearly, exit 7', async (t) => {
  const socket = await tempSocket()
  const run = await runCliInProcess(['--socket', socket, 'deploy', '--service', 'web', '--image', IMAGE])
  t.equal(run.code, 7)
  t.equal(
    run.stderr.split('\n')[0],
    `error [E_DAEMON_UNAVAILABLE]: the agent daemon is not running: nothing listens on ${socket} (ENOENT)`,
  )
  t.match(run.stderr, /hint: Start it with `systemctl start ecr-deploy-agent`/)
  t.match(lastJson(run), { result: 'failed', code: 'E_DAEMON_UNAVAILABLE' })
  const verbose = await runCliInProcess(['--socket', socket, '--verbose', 'status'])
  t.match(verbose.stderr, /DaemonUnavailableError[^\n]*\n\s+at /, 'the stack only with --verbose')
  t.notMatch(run.stderr, /\n\s+at /)
})

t.test('a daemon that dies mid-deploy: exit 7 and a message saying what to check', async (t) => {
  const socket = await tempSocket()
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' })
    res.write(`${JSON.stringify({ type: 'progress', service: 'web', phase: 'pull', message: 'pulling' })}\n`)
    setTimeout(() => res.socket?.destroy(), 50)
  })
  await new Promise<void>((resolve) => server.listen(socket, resolve))
  t.teardown(() => server.close())
  const run = await runCliInProcess(['--socket', socket, 'deploy', '--service', 'web', '--image', IMAGE])
  t.equal(run.code, 7)
  t.match(run.stderr, /closed the connection before deploy finished/)
  t.match(run.lines[0], /pull: pulling/)
  t.match(lastJson(run), { result: 'failed', code: 'E_DAEMON_UNAVAILABLE' })
})

t.test('status, history and reload', async (t) => {
  const { socket, deployer } = await daemon()
  const table = await runCliInProcess(['--socket', socket, 'status'])
  t.equal(table.code, 0)
  t.strictSame(table.lines, [
    'SERVICE  STATE    HEALTHY  RELEASE  DIGEST               REPOSITORY',
    'web      running  yes      r2       sha256:222222222222  web',
  ])
  const json = await runCliInProcess(['--socket', socket, 'status', '--service', 'api', '--json'])
  t.match(JSON.parse(json.stdout), { services: [{ service: 'api', state: 'running', healthy: true }] })
  const history = await runCliInProcess(['--socket', socket, 'history', '--service', 'web', '--json'])
  t.match(JSON.parse(history.stdout), { service: 'web', releases: [{ id: 'r2' }, { id: 'r1' }] })
  const historyTable = await runCliInProcess(['--socket', socket, 'history', '--service', 'web'])
  t.match(historyTable.lines[0], /^RELEASE\s+RESULT\s+STARTED\s+DURATION\s+DIGEST\s+MESSAGE$/)
  t.equal(historyTable.lines.length, 3)
  const reload = await runCliInProcess(['--socket', socket, 'reload'])
  t.equal(reload.stdout, 'configuration reloaded: 1 service (web)\n')
  t.strictSame(
    deployer.calls.map((call) => call.method),
    ['status', 'status', 'history', 'history'],
  )
})

t.test('an invalid configuration on reload: exit 2 and the file/key in the message', async (t) => {
  const { socket } = await daemon(false)
  const run = await runCliInProcess(['--socket', socket, 'reload'])
  t.equal(run.code, 2)
  t.match(run.stderr, /^error \[E_CONFIG_INVALID\]: \/etc\/ecr-deploy\/agent.yaml: services.web.ports\[0\]/)
})

t.test(
  'retire prints what the daemon removed; a configured service exits 2 with the next step',
  async (t) => {
    const { socket, deployer } = await daemon()
    const run = await runCliInProcess(['--socket', socket, 'retire', '--service', 'old'])
    t.equal(run.code, 0, run.stderr)
    t.equal(run.stdout, 'old: removed container x\n')
    deployer.onRetire = async () => ({ actions: [] })
    const nothing = await runCliInProcess(['--socket', socket, 'retire', '--service', 'old', '--json'])
    t.strictSame(JSON.parse(nothing.stdout), { service: 'old', actions: [] })
    deployer.onRetire = async () => {
      throw new UsageError('service "web" is still in the configuration; remove it from the file first')
    }
    const refused = await runCliInProcess(['--socket', socket, 'retire', '--service', 'web'])
    t.equal(refused.code, 2)
    t.match(refused.stderr, /^error \[E_USAGE\]: service "web" is still in the configuration/)
    const bad = await runCliInProcess(['--socket', socket, 'retire', '--service', '../etc'])
    t.equal(bad.code, 2, 'a bad name is refused before the daemon is asked')
    t.strictSame(
      deployer.calls.map((call) => call.method),
      ['retire', 'retire', 'retire'],
    )
  },
)

t.test(
  'the bin, as a process: the socket from the environment, errors on stderr, the exit code',
  async (t) => {
    const socket = await tempSocket()
    const viaEnv = await runCli(['status'], { ECR_DEPLOY_AGENT_SOCKET: socket })
    t.equal(viaEnv.code, 7)
    t.equal(
      viaEnv.stderr.split('\n')[0],
      `error [E_DAEMON_UNAVAILABLE]: the agent daemon is not running: nothing listens on ${socket} (ENOENT)`,
    )
    t.equal(viaEnv.stdout, '', 'status prints no result line')
  },
)
