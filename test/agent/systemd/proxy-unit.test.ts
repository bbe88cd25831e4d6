import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { AGENT_INSTALL_PATH } from '../../../shared/agent-artefact.ts'
import { agentExecutable } from '../../support/agent-executable.ts'

const UNIT = fileURLToPath(new URL('../../../agent/systemd/ecr-deploy-proxy.service', import.meta.url))
const TEXT = readFileSync(UNIT, 'utf8')
const ANALYZE = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((path) => existsSync(path))
const PACKAGE = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
  bin: Record<string, string>
}

t.test(
  'systemd accepts the proxy unit without a warning',
  { skip: ANALYZE ? false : 'no systemd-analyze' },
  (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'proxy-unit-'))
    t.teardown(() => rmSync(dir, { recursive: true, force: true }))
    const file = join(dir, 'ecr-deploy-proxy.service')
    // The unit as installed: its ExecStart names the shipped executable, which must exist and run.
    writeFileSync(file, TEXT.replaceAll(AGENT_INSTALL_PATH, agentExecutable()))
    const run = spawnSync(ANALYZE ?? 'systemd-analyze', ['verify', file], { encoding: 'utf8' })
    t.equal(run.stderr.replace(/.*(ecr-deploy-proxy|ecr-deploy-agent)\.service.*not found.*\n?/g, ''), '')
    t.end()
  },
)

t.test(
  'the unit runs the installed executable, keeps its routes across restarts and is not tied to the agent',
  (t) => {
    t.match(
      TEXT,
      /^ExecStart=\/usr\/local\/bin\/ecr-deploy-agent proxy$/m,
      'the installed executable, command proxy',
    )
    t.equal(AGENT_INSTALL_PATH, '/usr/local/bin/ecr-deploy-agent')
    t.equal(PACKAGE.bin['ecr-deploy-proxy'], 'dist/agent/proxy/main.js', 'the npm bin stays for development')
    t.match(TEXT, /^Restart=always$/m)
    t.match(TEXT, /^Environment=ECR_DEPLOY_PROXY_STATE=\/var\/lib\/ecr-deploy-proxy\/routes\.json$/m)
    t.match(TEXT, /^StateDirectory=ecr-deploy-proxy$/m)
    t.notMatch(
      TEXT,
      /^(BindsTo|PartOf|Requires)=.*ecr-deploy-agent/m,
      'stopping the agent never stops the proxy',
    )
    t.end()
  },
)

t.test(
  'the proxy runs as a user of its own, binds low ports only, cannot reach IMDS and does not restart-loop',
  (t) => {
    t.match(TEXT, /^DynamicUser=yes$/m, 'not root')
    t.match(TEXT, /^AmbientCapabilities=CAP_NET_BIND_SERVICE$/m, 'may bind ports below 1024')
    t.match(TEXT, /^CapabilityBoundingSet=CAP_NET_BIND_SERVICE$/m, 'and nothing else')
    t.match(TEXT, /^IPAddressDeny=169\.254\.169\.254 fd00:ec2::254$/m, 'IMDS, IPv4 and IPv6, is denied')
    t.match(TEXT, /^RestartPreventExitStatus=2$/m, 'a second proxy refused with exit 2 is not restarted')
    t.notMatch(TEXT, /^User=root$/m)
    t.end()
  },
)
