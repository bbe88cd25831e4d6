import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { chmod, copyFile, mkdtemp, readdir, readFile, rm, stat, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { controllerBundleName } from '../../scripts/controller-bundle.ts'
import { foreignRunner } from '../../scripts/foreign-runner.ts'
import { AGENT_ARCHES, artefactName, artefactStem } from '../../shared/agent-artefact.ts'
import { parseConfig } from '../../shared/agent-config/parse.ts'
import { VERSION } from '../../shared/version.ts'
import { agentExecutable, RELEASE_DIR } from '../support/agent-executable.ts'

const run = promisify(execFile)

t.test(
  'both tarballs and the controller script are built, and SHA256SUMS names each with its digest',
  async (t) => {
    const sums = (await readFile(join(RELEASE_DIR, 'SHA256SUMS'), 'utf8')).trim().split('\n')
    const names = [...AGENT_ARCHES.map((arch) => artefactName(VERSION, arch)), controllerBundleName(VERSION)]
    t.equal(sums.length, names.length)
    for (const name of names) {
      const digest = createHash('sha256')
        .update(await readFile(join(RELEASE_DIR, name)))
        .digest('hex')
      t.ok(sums.includes(`${digest}  ${name}`), `${name} is in SHA256SUMS with its own digest`)
    }
  },
)

t.test('a tarball holds the executable, both units and the sample configuration, nothing else', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'agent-artefact-'))
  t.teardown(() => rm(work, { recursive: true, force: true }))
  const arch = process.arch === 'arm64' ? 'arm64' : 'x64'
  await run('tar', ['-xzf', join(RELEASE_DIR, artefactName(VERSION, arch)), '-C', work])
  const dir = join(work, artefactStem(VERSION, arch))
  t.strictSame((await readdir(work)).sort(), [artefactStem(VERSION, arch)], 'one top folder')
  t.strictSame((await readdir(dir)).sort(), [
    'LICENSE.node',
    'agent.example.yaml',
    'ecr-deploy-agent',
    'ecr-deploy-agent.service',
    'ecr-deploy-proxy.service',
  ])
  t.equal((await stat(join(dir, 'ecr-deploy-agent'))).mode & 0o777, 0o755)
  const shipped = await readFile(join(dir, 'ecr-deploy-agent'))
  t.ok(
    shipped.equals(await readFile(agentExecutable(arch))),
    'the tests run the very binary the tarball holds',
  )
  const example = await readFile(join(dir, 'agent.example.yaml'), 'utf8')
  const config = parseConfig(example, 'agent.example.yaml', 'host')
  t.strictSame(Object.keys(config.services), ['web'], 'the sample configuration is valid as it ships')
})

t.test('the executable runs with an empty environment and no Node on PATH', async (t) => {
  const bin = agentExecutable()
  const empty = await mkdtemp(join(tmpdir(), 'no-node-'))
  t.teardown(() => rm(empty, { recursive: true, force: true }))
  const which = await run('env', ['-i', `PATH=${empty}`, '/bin/sh', '-c', 'command -v node || echo none'])
  t.equal(which.stdout.trim(), 'none', 'the environment the executable gets finds no node')
  const version = await run('env', ['-i', `PATH=${empty}`, bin, '--version'])
  t.equal(version.stdout, `${VERSION}\n`)
  t.equal(version.stderr, '', 'no warning of any kind (SDK, experimental feature)')
  const help = await run('env', ['-i', `PATH=${empty}`, bin, '--help'])
  for (const command of [
    'serve',
    'deploy',
    'rollback',
    'status',
    'history',
    'retire',
    'reload',
    'check-config',
    'proxy',
  ]) {
    t.match(help.stdout, new RegExp(`^  ${command}\\b`, 'm'), `--help lists ${command}`)
  }
  const proxy = await run('env', ['-i', `PATH=${empty}`, bin, 'proxy', '--help'])
  t.match(proxy.stdout, /^Usage: ecr-deploy-agent proxy \[--help\]/)
})

t.test('check-config accepts the sample and refuses a bad file with exit 2, naming the key', async (t) => {
  const bin = agentExecutable()
  const work = await mkdtemp(join(tmpdir(), 'check-config-'))
  t.teardown(() => rm(work, { recursive: true, force: true }))
  const good = await run(bin, [
    'check-config',
    '--config',
    join(process.cwd(), 'agent/config/agent.example.yaml'),
  ])
  t.match(good.stdout, /agent\.example\.yaml: ok, 1 service\(s\): web\n$/)
  const bad = join(work, 'agent.yaml')
  await import('node:fs/promises').then((fs) =>
    fs.writeFile(bad, 'services:\n  web:\n    repository: nope\n'),
  )
  const refused = await run(bin, ['check-config', '--config', bad]).catch(
    (error: { code: number; stderr: string }) => error,
  )
  t.equal((refused as { code: number }).code, 2)
  t.match(
    (refused as { stderr: string }).stderr,
    /E_CONFIG_INVALID.*services\.web\.repository: expected an ECR repository URI/,
  )
})

const qemu = foreignRunner('arm64')
t.test(
  'the linux-arm64 executable runs --version and --help under qemu-user',
  { skip: process.arch === 'arm64' ? 'this machine is arm64: the tests above ran it natively' : false },
  async (t) => {
    if (qemu === undefined) {
      t.fail(
        'qemu-aarch64-static and the arm64 C/C++ libraries are needed (scripts/bootstrap.sh installs them)',
      )
      return
    }
    const [emulator = '', ...args] = qemu
    const bin = agentExecutable('arm64')
    const version = await run(emulator, [...args, bin, '--version'], { env: {} })
    t.equal(version.stdout, `${VERSION}\n`)
    const help = await run(emulator, [...args, bin, '--help'], { env: {} })
    t.match(help.stdout, /^Usage: ecr-deploy-agent /)
  },
)

t.test(
  'the controller script runs alone: a folder with nothing else, Node and no npm packages',
  async (t) => {
    const work = await mkdtemp(join(tmpdir(), 'controller-bundle-'))
    t.teardown(() => rm(work, { recursive: true, force: true }))
    // Installed as the README says: the file keeps its .mjs name (Node reads it as an ES module by the
    // name it resolves to), and `ecr-deploy` is a link to it.
    const file = join(work, controllerBundleName(VERSION))
    await copyFile(join(RELEASE_DIR, controllerBundleName(VERSION)), file)
    await chmod(file, 0o755)
    const script = join(work, 'ecr-deploy')
    await symlink(file, script)
    const version = await run(script, ['--version'], { cwd: work, env: { PATH: process.env.PATH ?? '' } })
    t.equal(version.stdout, `${VERSION}\n`)
    const help = await run(script, ['setup', 'agents', '--help'], {
      cwd: work,
      env: { PATH: process.env.PATH ?? '' },
    })
    t.match(help.stdout, /--artefacts <dir>/)
    t.strictSame(
      (await readdir(work)).sort(),
      ['ecr-deploy', controllerBundleName(VERSION)],
      'it needed nothing beside it',
    )
  },
)
