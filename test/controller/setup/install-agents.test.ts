import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { installCommands, STARTER_CONFIG } from '../../../controller/setup/install-agents.js'
import { UsageError } from '../../../shared/errors.js'
import { startFakeAws } from '../../ground/fake-aws/index.js'
import { runController } from '../run-controller.js'

/**
 * `setup agents` through the fake SSM's AWS-RunShellScript. npm, systemctl and the agent are stand-ins that
 * log their calls, and the script writes under a scratch root (ECR_DEPLOY_INSTALL_ROOT), so the test proves
 * what the real script does on an instance without installing anything on this machine.
 */
const STUBS: Record<string, string> = {
  npm: `#!/bin/sh
echo "npm $*" >> "$STUB_LOG"
if [ "$1" = root ]; then echo "$STUB_GLOBAL"; fi
`,
  systemctl: '#!/bin/sh\necho "systemctl $*" >> "$STUB_LOG"\n',
  'ecr-deploy-agent': '#!/bin/sh\necho 0.1.0\n',
}

t.test('installs the package, the unit and a starter config, then enables the service', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'install-agents-'))
  const aws = await startFakeAws()
  t.teardown(async () => {
    await aws.close()
    await rm(dir, { recursive: true, force: true })
  })
  const bin = join(dir, 'bin')
  const global = join(dir, 'global')
  await mkdir(join(global, 'ecr-ssm-deploy/agent/systemd'), { recursive: true })
  await writeFile(
    join(global, 'ecr-ssm-deploy/agent/systemd/ecr-deploy-agent.service'),
    '[Unit]\nDescription=test\n',
  )
  await mkdir(bin)
  for (const [name, script] of Object.entries(STUBS)) {
    await writeFile(join(bin, name), script)
    await chmod(join(bin, name), 0o755)
  }
  const roots: string[] = []
  for (const id of ['i-0000000000000000a', 'i-0000000000000000b']) {
    const root = join(dir, id)
    roots.push(root)
    aws.ssm.addInstance({
      id,
      tags: { Role: 'web' },
      env: {
        PATH: `${bin}:${process.env.PATH ?? ''}`,
        STUB_LOG: join(dir, `${id}.log`),
        STUB_GLOBAL: global,
        ECR_DEPLOY_INSTALL_ROOT: root,
      },
    })
  }
  // An instance that already has a configuration keeps it.
  await mkdir(join(roots[1] ?? '', 'etc/ecr-deploy'), { recursive: true })
  await writeFile(join(roots[1] ?? '', 'etc/ecr-deploy/agent.yaml'), 'services: {} # mine\n')

  const result = await runController(aws, dir, [
    'setup',
    'agents',
    '--targets',
    'tag:Role=web',
    '--agent-version',
    '0.1.0',
    '--region',
    'us-east-1',
    '--timeout',
    '60',
  ])
  t.equal(result.code, 0, `${result.stdout}\n${result.stderr}`)
  t.match(result.stdout, /agent 0\.1\.0: 2 installed, 0 failed/)
  t.equal(await readFile(join(roots[0] ?? '', 'etc/ecr-deploy/agent.yaml'), 'utf8'), STARTER_CONFIG)
  t.equal(await readFile(join(roots[1] ?? '', 'etc/ecr-deploy/agent.yaml'), 'utf8'), 'services: {} # mine\n')
  t.equal(
    await readFile(join(roots[0] ?? '', 'etc/systemd/system/ecr-deploy-agent.service'), 'utf8'),
    '[Unit]\nDescription=test\n',
  )
  t.strictSame((await readFile(join(dir, 'i-0000000000000000a.log'), 'utf8')).trim().split('\n'), [
    'npm install --global --no-audit --no-fund ecr-ssm-deploy@0.1.0',
    'npm root --global',
    'systemctl daemon-reload',
    'systemctl enable ecr-deploy-agent',
    'systemctl restart ecr-deploy-agent',
  ])
  const send = aws.calls.find((c) => c.operation === 'SendCommand')
  t.match(send?.input, {
    DocumentName: 'AWS-RunShellScript',
    Targets: [{ Key: 'tag:Role', Values: ['web'] }],
  })
})

t.test('bad versions and oversized configurations are refused before anything is sent', async (t) => {
  t.throws(
    () => installCommands('1.0; reboot'),
    new UsageError('--agent-version: "1.0; reboot" is not "latest" or a version such as 0.1.0'),
  )
  t.throws(() => installCommands('latest', 'x'.repeat(20_000)), /keep the starter configuration under 16 KiB/)
})
