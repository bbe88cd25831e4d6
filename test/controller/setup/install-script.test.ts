import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { installPlanFrom } from '../../../controller/setup/agent-artefact.ts'
import { type InstallPlan, installCommands } from '../../../controller/setup/install-agents.ts'
import { artefactName, artefactStem } from '../../../shared/agent-artefact.ts'
import { VERSION } from '../../../shared/version.ts'

/*
 * The install script's handling of agent.yaml, run with sh against a scratch root: a stand-in agent (it
 * answers --version and check-config, refusing a file that says "refuse-me"), served from 127.0.0.1, and a
 * systemctl that only logs. The whole install with the real agent is install-agents.e2e.test.ts.
 */

const run = promisify(execFile)
const arch = process.arch === 'arm64' ? 'arm64' : 'x64'
const dir = await mkdtemp(join(tmpdir(), 'install-script-'))
const stem = artefactStem(VERSION, arch)
await mkdir(join(dir, 'release', stem), { recursive: true })
const agent = join(dir, 'release', stem, 'ecr-deploy-agent')
await writeFile(
  agent,
  `#!/bin/sh
case "$1" in
  --version) echo ${VERSION} ;;
  check-config) if grep -q refuse-me "$3"; then echo "$3: services.web: refused" >&2; exit 2; fi; echo "$3: ok" ;;
esac
`,
)
await chmod(agent, 0o755)
for (const unit of ['ecr-deploy-agent.service', 'ecr-deploy-proxy.service'])
  await writeFile(join(dir, 'release', stem, unit), `[Unit]\nDescription=${unit}\n`)
await run('tar', ['-czf', join(dir, 'agent.tar.gz'), '-C', join(dir, 'release'), stem])
const tarball = await readFile(join(dir, 'agent.tar.gz'))
const sha256 = createHash('sha256').update(tarball).digest('hex')
await mkdir(join(dir, 'bin'))
await writeFile(
  join(dir, 'bin', 'systemctl'),
  `#!/bin/sh\necho "systemctl $*" >>"${join(dir, 'systemctl.log')}"\ncase "$1" in is-enabled|is-active) exit 1 ;; esac\n`,
)
await chmod(join(dir, 'bin', 'systemctl'), 0o755)

const server = createServer((_req, res) => res.writeHead(200).end(tarball))
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
const address = server.address()
const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/agent.tar.gz`
t.teardown(async () => {
  await new Promise((resolve) => server.close(resolve))
  await rm(dir, { recursive: true, force: true })
})

let instance = 0
/** A fresh instance root, optionally with a configuration already in place. */
async function instanceRoot(existing?: string): Promise<string> {
  const root = join(dir, `root-${++instance}`)
  await mkdir(join(root, 'etc/ecr-deploy'), { recursive: true })
  if (existing !== undefined)
    await writeFile(join(root, 'etc/ecr-deploy/agent.yaml'), existing, { mode: 0o600 })
  return root
}
async function install(root: string, config: string, replaceConfig: boolean) {
  const plan: InstallPlan = {
    version: VERSION,
    artefacts: { [arch]: { url, sha256 } },
    config,
    replaceConfig,
    restartProxy: false,
  }
  const env = { PATH: `${join(dir, 'bin')}:/usr/bin:/bin`, ECR_DEPLOY_INSTALL_ROOT: root }
  await writeFile(join(dir, 'systemctl.log'), '')
  const result = await run('sh', ['-c', installCommands(plan).join('\n')], { env })
    .then((out) => ({ code: 0, ...out }))
    .catch((error: { code: number; stdout: string; stderr: string }) => error)
  const systemctl = (await readFile(join(dir, 'systemctl.log'), 'utf8')).trim().split('\n')
  return { ...result, systemctl }
}
const configOf = (root: string) => readFile(join(root, 'etc/ecr-deploy/agent.yaml'), 'utf8')
const modeOf = async (root: string) => (await stat(join(root, 'etc/ecr-deploy/agent.yaml'))).mode & 0o777
const OLD = 'services: {}\n'
const NEW = 'environment: prod\nservices: {}\n'

t.test('without --replace-config an existing configuration is kept', async (t) => {
  const root = await instanceRoot(OLD)
  const result = await install(root, NEW, false)
  t.equal(result.code, 0, result.stderr)
  t.equal(await configOf(root), OLD)
  t.notMatch(result.stdout, /configuration/)
})

t.test('where there is none, the configuration is written, root-only, either way', async (t) => {
  for (const replace of [false, true]) {
    const root = await instanceRoot()
    const result = await install(root, NEW, replace)
    t.equal(result.code, 0, result.stderr)
    t.equal(await configOf(root), NEW)
    t.equal(await modeOf(root), 0o600)
    t.match(result.stdout, /wrote the configuration to \/etc\/ecr-deploy\/agent\.yaml/)
  }
})

t.test(
  '--replace-config replaces a different configuration, root-only, and restarts the agent',
  async (t) => {
    const root = await instanceRoot(OLD)
    const first = await install(root, NEW, true)
    t.equal(first.code, 0, first.stderr)
    t.equal(await configOf(root), NEW)
    t.equal(await modeOf(root), 0o600)
    t.match(first.stdout, /replaced the configuration in \/etc\/ecr-deploy\/agent\.yaml/)
    t.ok(first.systemctl.includes('systemctl restart ecr-deploy-agent'))
    const again = await install(root, NEW, true)
    t.equal(again.code, 0, again.stderr)
    t.notMatch(again.stdout, /configuration/, 'the same file is not replaced again')
    t.notOk(again.systemctl.includes('systemctl restart ecr-deploy-agent'), 'nor the agent restarted')
  },
)

t.test('a configuration the instance’s agent refuses changes nothing, not even the executable', async (t) => {
  const root = await instanceRoot(OLD)
  const result = await install(root, `${NEW}# refuse-me\n`, true)
  t.equal(result.code, 3)
  t.match(result.stderr, /services\.web: refused/)
  t.match(result.stderr, /error: the agent refuses the new configuration; nothing was installed or replaced/)
  t.equal(await configOf(root), OLD)
  await t.rejects(stat(join(root, 'usr/local/bin/ecr-deploy-agent')), { code: 'ENOENT' })
  t.strictSame(result.systemctl, [''], 'systemctl untouched')
})

t.test('--replace-config needs --config: the starter file would drop every service', async (t) => {
  const sums = join(dir, 'SHA256SUMS')
  await writeFile(sums, `${sha256}  ${artefactName(VERSION, arch)}\n`)
  t.throws(() => installPlanFrom({ sha256sums: sums, replaceConfig: true }), {
    code: 'E_USAGE',
    message: /--replace-config: give --config <file>/,
  })
  t.equal(installPlanFrom({ sha256sums: sums }).replaceConfig, false)
})
