import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'

const run = promisify(execFile)
const root = new URL('../..', import.meta.url).pathname

/**
 * `npm pack`, then a global install into a temporary prefix, the way a user installs the tool on an
 * instance. `--offline` keeps the test off the network: dependencies come from npm's cache, which
 * `npm ci` filled. The suite builds dist/ first (`npm test`), so pack runs without its prepack build.
 */
t.test('the packed tarball installs globally and both bins run', async (t) => {
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

  const prefix = join(work, 'prefix')
  await run(
    'npm',
    [
      'install',
      '--global',
      '--prefix',
      prefix,
      '--offline',
      '--no-audit',
      '--no-fund',
      join(work, info.filename),
    ],
    { cwd: work, env },
  )
  for (const bin of ['ecr-deploy', 'ecr-deploy-agent', 'ecr-deploy-proxy']) {
    const help = await run(join(prefix, 'bin', bin), ['--help'], { cwd: work, env })
    t.match(help.stdout, new RegExp(`^Usage: ${bin} `, 'm'), `${bin} --help prints its usage`)
  }
})
