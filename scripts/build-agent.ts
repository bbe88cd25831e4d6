/**
 * `npm run build:agent`: the agent as one executable per architecture, with Node inside.
 *
 * 1. esbuild bundles the CLI (daemon, client commands and proxy: one program) into one CommonJS file,
 *    the form Node's single-executable support loads.
 * 2. For each architecture, Node makes the preparation blob (with V8's code cache when the blob can be
 *    made by that architecture's own Node, natively or under qemu-user), and postject injects it into a
 *    copy of the pinned official Node binary (scripts/fetch-node.sh).
 * 3. Each executable is packed with both systemd units and the commented sample configuration into
 *    dist/release/ecr-deploy-agent-<version>-linux-<arch>.tar.gz, reproducibly, with SHA256SUMS beside.
 * 4. The controller CLI joins the release as one script, ecr-deploy-<version>.mjs, in the same SHA256SUMS.
 *
 * `--arch x64|arm64|host` builds one architecture (the demo builds the host's); the default is both.
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { writeControllerBundle } from './controller-bundle.ts'
import { foreignRunner } from './foreign-runner.ts'

type Arch = 'x64' | 'arm64'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const OUT = join(ROOT, 'dist/release')
const WORK = join(ROOT, 'dist/sea')
const TOOLS = join(ROOT, '.tools')
/** Node's documented sentinel for the single-executable blob. */
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'
const HOST_ARCH: Arch = process.arch === 'arm64' ? 'arm64' : 'x64'

const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version
const arches = archesFrom(process.argv.slice(2))

function archesFrom(args: readonly string[]): Arch[] {
  const at = args.indexOf('--arch')
  if (at === -1) return ['x64', 'arm64']
  const value = args[at + 1] === 'host' ? HOST_ARCH : args[at + 1]
  if (value !== 'x64' && value !== 'arm64') {
    throw new Error(`--arch: expected x64, arm64 or host, found "${value}"`)
  }
  return [value]
}

function run(file: string, args: readonly string[], options: { cwd?: string } = {}): string {
  return execFileSync(file, args, {
    cwd: options.cwd ?? ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  })
}

/** The same bundle for every architecture: it is JavaScript only (no native addon goes in). */
async function bundle(): Promise<string> {
  const outfile = join(WORK, 'ecr-deploy-agent.cjs')
  await build({
    entryPoints: [join(ROOT, 'agent/cli/main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    minifySyntax: true,
    minifyWhitespace: true,
    keepNames: true,
    legalComments: 'eof',
    logLevel: 'warning',
    // dockerode's ssh transport needs a native addon; the agent only uses the local socket.
    alias: { ssh2: join(ROOT, 'agent/docker/no-ssh.ts') },
    // ESM packages (node-cron) read import.meta.url, which CommonJS has as the file's own URL.
    define: { 'import.meta.url': '__ecrDeployImportMetaUrl' },
    banner: { js: 'const __ecrDeployImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
  })
  return outfile
}

function nodeFor(arch: Arch): string {
  return run('bash', [join(ROOT, 'scripts/fetch-node.sh'), arch, TOOLS]).trim()
}

/** How to run a program of `arch` here (natively or under qemu-user), or undefined when this machine cannot. */
function runnerFor(arch: Arch): string[] | undefined {
  if (arch === HOST_ARCH) return []
  return foreignRunner(arch)
}

function blobFor(arch: Arch, main: string): { blob: string; codeCache: boolean } {
  const runner = runnerFor(arch)
  // V8's code cache is specific to the architecture that made it, so only that architecture's Node may.
  const codeCache = runner !== undefined
  const node = runner !== undefined ? nodeFor(arch) : nodeFor(HOST_ARCH)
  const blob = join(WORK, `${arch}.blob`)
  const config = join(WORK, `${arch}.sea.json`)
  // Paths relative to WORK: the script's name is what stack traces show, not where it was built.
  writeFileSync(
    config,
    JSON.stringify({
      main: relative(WORK, main),
      output: relative(WORK, blob),
      disableExperimentalSEAWarning: true,
      useCodeCache: codeCache,
    }),
  )
  const [first, ...rest] = [...(runner ?? []), node, '--experimental-sea-config', config]
  run(first ?? node, rest, { cwd: WORK })
  return { blob, codeCache }
}

function inject(arch: Arch, blob: string, into: string): void {
  copyFileSync(nodeFor(arch), into)
  const postject = join(ROOT, 'node_modules/postject/dist/cli.js')
  run(process.execPath, [postject, into, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', FUSE])
}

function pack(arch: Arch, executable: string): string {
  const name = `ecr-deploy-agent-${version}-linux-${arch}`
  const stage = join(WORK, name)
  rmSync(stage, { recursive: true, force: true })
  mkdirSync(stage, { recursive: true })
  copyFileSync(executable, join(stage, 'ecr-deploy-agent'))
  for (const file of ['ecr-deploy-agent.service', 'ecr-deploy-proxy.service']) {
    copyFileSync(join(ROOT, 'agent/systemd', file), join(stage, file))
  }
  copyFileSync(join(ROOT, 'agent/config/agent.example.yaml'), join(stage, 'agent.example.yaml'))
  // The executable is Node: its licence (with the notices of what Node bundles) travels with it.
  copyFileSync(join(nodeFor(arch), '../../LICENSE'), join(stage, 'LICENSE.node'))
  const tarball = join(OUT, `${name}.tar.gz`)
  // Reproducible: the same sources give the same bytes (sorted names, fixed owner, time and modes).
  const mtime = run('git', ['log', '-1', '--format=%ct']).trim() || '0'
  run(
    'sh',
    [
      '-c',
      `tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@${mtime} --mode=go-w -cf - "$0" | gzip -n -6 > "$1"`,
      name,
      tarball,
    ],
    { cwd: WORK },
  )
  return tarball
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex')
}

mkdirSync(OUT, { recursive: true })
mkdirSync(WORK, { recursive: true })
const main = await bundle()
const sums: string[] = []
for (const arch of arches) {
  const { blob, codeCache } = blobFor(arch, main)
  const executable = join(WORK, `ecr-deploy-agent-linux-${arch}`)
  inject(arch, blob, executable)
  const tarball = pack(arch, executable)
  const name = tarball.slice(OUT.length + 1)
  sums.push(`${sha256(tarball)}  ${name}`)
  process.stdout.write(
    `${name}${codeCache ? '' : ` (no code cache: this machine cannot run linux-${arch})`}\n`,
  )
}
// The controller CLI travels with the same release and the same SHA256SUMS.
const controller = await writeControllerBundle(OUT, version)
sums.push(`${sha256(controller)}  ${controller.slice(OUT.length + 1)}`)
process.stdout.write(`${controller.slice(OUT.length + 1)}\n`)
writeFileSync(join(OUT, 'SHA256SUMS'), `${sums.join('\n')}\n`)
