import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'

/** Where Debian's cross packages (libc6-<arch>-cross, libstdc++6-<arch>-cross) put each architecture's libraries. */
const SYSROOTS = { arm64: '/usr/aarch64-linux-gnu', x64: '/usr/x86_64-linux-gnu' } as const
const QEMU = { arm64: 'qemu-aarch64-static', x64: 'qemu-x86_64-static' } as const

/**
 * The command prefix that runs a dynamically linked linux-`arch` program on this machine under qemu-user
 * (Debian's qemu-user-static, with the architecture's C and C++ libraries), or undefined with the reason
 * when this machine cannot. Used by the build (code cache) and by the tests of the arm64 executable.
 */
export function foreignRunner(arch: 'x64' | 'arm64'): string[] | undefined {
  const sysroot = SYSROOTS[arch]
  if (!existsSync(`${sysroot}/lib`)) return undefined
  try {
    execFileSync('sh', ['-c', `command -v ${QEMU[arch]}`], { stdio: 'ignore' })
  } catch {
    return undefined
  }
  return [QEMU[arch], '-L', sysroot]
}
