import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { artefactStem } from '../../shared/agent-artefact.ts'
import { VERSION } from '../../shared/version.ts'

const HOST_ARCH = process.arch === 'arm64' ? 'arm64' : 'x64'
const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** Where `npm run build:agent` writes the tarballs and SHA256SUMS. */
export const RELEASE_DIR = `${ROOT}dist/release`

/** The folder a tarball unpacks to, staged by the build byte for byte as packed. */
export function stagedArtefact(arch: 'x64' | 'arm64' = HOST_ARCH): string {
  return `${ROOT}dist/sea/${artefactStem(VERSION, arch)}`
}

/**
 * The agent executable for this machine's architecture, exactly as the tarball holds it: what ships is
 * what the end-to-end tests run. `npm test` builds it first.
 */
export function agentExecutable(arch: 'x64' | 'arm64' = HOST_ARCH): string {
  const path = `${stagedArtefact(arch)}/ecr-deploy-agent`
  if (!existsSync(path)) {
    throw new Error(`${path} is missing: run "npm run build:agent" (npm test does) before this test`)
  }
  return path
}
