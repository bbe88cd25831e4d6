import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { AGENT_INSTALL_PATH } from '../../../shared/agent-artefact.ts'
import { agentExecutable } from '../../support/agent-executable.ts'

const UNIT = fileURLToPath(new URL('../../../agent/systemd/ecr-deploy-agent.service', import.meta.url))
const TEXT = readFileSync(UNIT, 'utf8')
const ANALYZE = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((path) => existsSync(path))

/** `systemd-analyze verify` exits 0 even on unknown keys and bad values; its stderr is what tells. */
function verify(text: string): { status: number | null; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'agent-unit-'))
  try {
    const file = join(dir, 'ecr-deploy-agent.service')
    writeFileSync(file, text)
    const run = spawnSync(ANALYZE ?? 'systemd-analyze', ['verify', file], { encoding: 'utf8' })
    return { status: run.status, stderr: run.stderr }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Key -> values per section; repeated keys (Environment=) keep every value. */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>()
  let current: Map<string, string[]> | undefined
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const header = /^\[(\w+)\]$/.exec(line)
    if (header) {
      current = new Map()
      sections.set(header[1] ?? '', current)
      continue
    }
    const eq = line.indexOf('=')
    if (!current || eq < 0) throw new Error(`unparsable unit line: ${line}`)
    const key = line.slice(0, eq)
    current.set(key, [...(current.get(key) ?? []), line.slice(eq + 1)])
  }
  return sections
}

t.test('systemd-analyze verify accepts the unit without a single warning', async (t) => {
  // systemd is a dependency of this project's development machines (Debian package "systemd"); the key
  // checks below still run wherever it is missing, and this test says so rather than passing silently.
  if (!ANALYZE) {
    t.fail('systemd-analyze is not installed: install the "systemd" package to verify the unit')
    return
  }
  // The unit as installed: its ExecStart names the shipped executable, which must exist and run.
  const installed = TEXT.replaceAll(AGENT_INSTALL_PATH, agentExecutable())
  const clean = verify(installed)
  t.equal(clean.status, 0)
  t.equal(clean.stderr, '', 'no warning about any key')
  const broken = verify(installed.replace('ProtectSystem=strict', 'ProtectSytem=strict'))
  t.match(broken.stderr, /Unknown key 'ProtectSytem'/, 'a misspelt key would be caught')
})

t.test('the unit holds the keys the agent relies on', async (t) => {
  const unit = parseUnit(TEXT)
  const service = unit.get('Service')
  const one = (key: string): string | undefined => service?.get(key)?.[0]
  t.equal(one('ExecStart'), '/usr/local/bin/ecr-deploy-agent serve')
  t.equal(one('Type'), 'simple')
  t.equal(one('Restart'), 'on-failure')
  t.equal(one('RestartPreventExitStatus'), '2', 'a configuration error is not retried in a loop')
  t.equal(one('ExecReload'), '/bin/kill -HUP $MAINPID', 'reload is SIGHUP, which re-reads the configuration')
  t.equal(one('RuntimeDirectory'), 'ecr-deploy')
  t.equal(one('RuntimeDirectoryMode'), '0700', 'the socket directory is root-only')
  t.equal(one('StateDirectory'), 'ecr-deploy')
  t.equal(one('ProtectSystem'), 'strict')
  t.equal(one('ReadWritePaths'), '/var/lib/ecr-deploy /run/ecr-deploy')
  t.equal(one('ProtectHome'), 'yes', 'no ~/.docker/config.json can be written')
  t.equal(one('NoNewPrivileges'), 'yes')
  t.equal(one('RestrictAddressFamilies'), 'AF_UNIX AF_INET AF_INET6')
  t.equal(one('KillMode'), 'mixed')
  t.ok(Number.parseInt(one('TimeoutStopSec') ?? '0', 10) > 120, 'stop timeout exceeds the 120 s deploy grace')
  t.notOk(service?.has('User'), 'runs as root: the Docker socket requires it')
  t.notOk(service?.has('PrivateNetwork'), 'must reach the Docker socket, ECR, SSM and IMDS')
  t.notOk(service?.has('MemoryDenyWriteExecute'), "would break Node's JIT")
  t.strictSame(service?.get('Environment'), [
    'ECR_DEPLOY_AGENT_SOCKET=/run/ecr-deploy/agent.sock',
    'ECR_DEPLOY_AGENT_CONFIG=/etc/ecr-deploy/agent.yaml',
    'ECR_DEPLOY_AGENT_STATE_DIR=/var/lib/ecr-deploy',
    '"NODE_OPTIONS=--max-semi-space-size=1"',
    'MALLOC_ARENA_MAX=2',
  ])
  t.match(unit.get('Unit')?.get('After')?.[0], /docker\.service/)
  t.equal(unit.get('Install')?.get('WantedBy')?.[0], 'multi-user.target')
})

t.test('Node accepts the unit NODE_OPTIONS (it refuses to start on a flag not allowed there)', async (t) => {
  const assignment = parseUnit(TEXT)
    .get('Service')
    ?.get('Environment')
    ?.map((value) => value.replace(/^"(.*)"$/, '$1'))
    .find((value) => value.startsWith('NODE_OPTIONS='))
  const options = assignment?.slice('NODE_OPTIONS='.length) ?? ''
  t.match(options, /--max-semi-space-size=1/)
  const run = spawnSync(process.execPath, ['-e', 'process.stdout.write("up")'], {
    env: { ...process.env, NODE_OPTIONS: options },
    encoding: 'utf8',
  })
  t.equal(run.stderr, '')
  t.equal(run.stdout, 'up')
  const refused = spawnSync(process.execPath, ['-e', '0'], {
    env: { ...process.env, NODE_OPTIONS: `${options} --optimize-for-size` },
    encoding: 'utf8',
  })
  t.match(refused.stderr, /not allowed in NODE_OPTIONS/, 'the check would catch a V8 flag Node refuses there')
})
