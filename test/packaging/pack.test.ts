import { execFile } from 'node:child_process'
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'

const run = promisify(execFile)
const root = new URL('../..', import.meta.url).pathname

/**
 * `npm pack`, then what a user's install does with the tarball: unpack it, install its production
 * dependencies only (from our lockfile, `--offline`: the tarballs come from npm's cache, which `npm ci`
 * filled, so nothing needs the registry's metadata), and run each bin it declares with node, as its
 * shebang would. Run this way, a bin that imports a devDependency or a file left out of the package fails.
 * The suite builds dist/ first (`npm test`), so pack runs without its prepack build.
 */
t.test('the packed tarball installs with production dependencies only, and each bin runs', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'ecr-ssm-deploy-pack-'))
  t.teardown(() => rm(work, { recursive: true, force: true }))
  const env = { ...process.env, NODE_OPTIONS: '', npm_config_update_notifier: 'false' }

  const packed = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], {
    cwd: root,
    env,
  })
  const [info] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>
  if (!info) throw new Error('npm pack printed no package')
  const paths = info.files.map((file) => file.path)
  t.ok(paths.includes('dist/controller/cli.js'), 'controller entry point is packed')
  t.ok(paths.includes('dist/agent/cli/main.js'), 'agent entry point is packed')
  t.ok(paths.includes('agent/systemd/ecr-deploy-agent.service'), 'systemd unit is packed')
  t.strictSame(
    paths.filter((path) => path.startsWith('test/') || (path.endsWith('.ts') && !path.endsWith('.d.ts'))),
    [],
    'no tests and no TypeScript sources are packed',
  )

  const unpacked = join(work, 'package')
  await run('tar', ['-xzf', join(work, info.filename), '-C', work], { env })
  await copyFile(join(root, 'package-lock.json'), join(unpacked, 'package-lock.json'))
  await run('npm', ['ci', '--offline', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], {
    cwd: unpacked,
    env,
  })
  const manifest = JSON.parse(await readFile(join(unpacked, 'package.json'), 'utf8')) as {
    bin: Record<string, string>
  }
  t.strictSame(Object.keys(manifest.bin).sort(), ['ecr-deploy', 'ecr-deploy-agent', 'ecr-deploy-proxy'])
  for (const [bin, path] of Object.entries(manifest.bin)) {
    // npm marks a bin executable when it links it; the shebang is the package's part.
    const script = await readFile(join(unpacked, path), 'utf8')
    t.ok(script.startsWith('#!/usr/bin/env node\n'), `${bin} starts with a node shebang`)
    const help = await run(process.execPath, [join(unpacked, path), '--help'], { cwd: work, env })
    t.match(help.stdout, new RegExp(`^Usage: ${bin} `, 'm'), `${bin} --help prints its usage`)
  }
})
