import { execFile } from 'node:child_process'
import { chmod, cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t, { type Test } from 'tap'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/**
 * scripts/bootstrap.sh in a scratch copy of the project (its scripts and lockfile only), with `id` and
 * `dpkg-query` stand-ins so that the machine looks like another one: a user who is not root, or a
 * system that is not Debian, with packages missing. It must stop before changing anything.
 */
async function bootstrapAs(
  t: Test,
  machine: { uid: number; osId: string; missing: string[] },
): Promise<Run & { dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'bootstrap-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  await cp(join(ROOT, 'scripts'), join(dir, 'scripts'), { recursive: true })
  await cp(join(ROOT, 'package-lock.json'), join(dir, 'package-lock.json'))
  const bin = join(dir, 'stub-bin')
  await mkdir(bin)
  await writeFile(join(bin, 'id'), `#!/bin/sh\necho ${machine.uid}\n`)
  await writeFile(
    join(bin, 'dpkg-query'),
    `#!/bin/sh\nfor p in ${machine.missing.join(' ')}; do [ "$3" = "$p" ] && exit 1; done\nprintf 'install ok installed'\n`,
  )
  await chmod(join(bin, 'id'), 0o755)
  await chmod(join(bin, 'dpkg-query'), 0o755)
  const osRelease = join(dir, 'os-release')
  await writeFile(osRelease, `ID=${machine.osId}\n`)
  const result = await new Promise<Run>((resolve) => {
    execFile(
      'bash',
      [join(dir, 'scripts/bootstrap.sh')],
      { env: { PATH: `${bin}:${process.env.PATH ?? ''}`, ECR_SSM_DEPLOY_OS_RELEASE: osRelease } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    )
  })
  return { ...result, dir }
}

const untouched = async (t: Test, dir: string) => {
  t.strictSame(
    (await readdir(dir)).sort(),
    ['os-release', 'package-lock.json', 'scripts', 'stub-bin'],
    'nothing was installed: no .tools, no node_modules',
  )
}

t.test(
  'a user who is not root is told what is missing and the exact command, and nothing changes',
  async (t) => {
    const run = await bootstrapAs(t, {
      uid: 1000,
      osId: 'debian',
      missing: ['docker.io', 'qemu-user-static'],
    })
    t.equal(run.code, 3)
    t.equal(run.stdout, '', 'no Node path is printed: nothing was set up')
    t.match(run.stderr, /^error: cannot set up this machine; nothing was changed:$/m)
    t.match(run.stderr, /system packages missing: docker\.io qemu-user-static$/m)
    t.match(
      run.stderr,
      /install them as root: sudo apt-get update && sudo apt-get install -y --no-install-recommends docker\.io qemu-user-static$/m,
    )
    t.match(run.stderr, /then Node\.js 24\.\d+\.\d+ is fetched into \.tools\/node-v24/)
    await untouched(t, run.dir)
  },
)

t.test('a system that is not Debian is told which packages to find, and nothing changes', async (t) => {
  const run = await bootstrapAs(t, { uid: 0, osId: 'fedora', missing: ['docker-registry'] })
  t.equal(run.code, 3)
  t.match(
    run.stderr,
    /this is not Debian: install the equivalents of docker-registry with your system's package manager/,
  )
  await untouched(t, run.dir)
})
