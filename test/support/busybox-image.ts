import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A local-only image holding busybox-static, for adapter tests that need no registry. */
export const LOCAL_BUSYBOX = 'ecr-deploy-agent-test/busybox:local'

/** Imports the image once per machine; `docker import` of the same tar is cheap when repeated. */
export function ensureLocalBusybox(): string {
  try {
    execFileSync('/usr/bin/docker', ['image', 'inspect', LOCAL_BUSYBOX], { stdio: 'ignore' })
    return LOCAL_BUSYBOX
  } catch {
    // Not there yet: build it below.
  }
  const dir = mkdtempSync(join(tmpdir(), 'agent-busybox-'))
  try {
    const root = join(dir, 'root')
    mkdirSync(join(root, 'bin'), { recursive: true })
    copyFileSync('/bin/busybox', join(root, 'bin', 'busybox'))
    for (const tool of ['sh', 'httpd', 'sleep', 'echo']) symlinkSync('busybox', join(root, 'bin', tool))
    const tar = join(dir, 'root.tar')
    execFileSync('tar', ['-C', root, '-cf', tar, '.'])
    execFileSync('/usr/bin/docker', ['import', '--change', 'CMD ["/bin/sh"]', tar, LOCAL_BUSYBOX], {
      stdio: 'ignore',
    })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  return LOCAL_BUSYBOX
}
