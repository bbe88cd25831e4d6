import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { stopDockerd } from './docker-engine.ts'
import { GROUND_DIR, GROUND_FILE } from './ground.ts'
import { stopRegistry } from './registry.ts'

/** What the ground started and must therefore stop; a null pid means "not ours". */
export interface StartedParts {
  dockerdPid: number | null
  registryPid: number | null
}

const STATE_FILE = join(GROUND_DIR, 'state.json')

export function readStartedParts(): StartedParts {
  try {
    return JSON.parse(readFileSync(STATE_FILE, 'utf8')) as StartedParts
  } catch {
    return { dockerdPid: null, registryPid: null }
  }
}

export function writeStartedParts(parts: StartedParts): void {
  writeFileSync(STATE_FILE, `${JSON.stringify(parts)}\n`)
}

/**
 * Stops what the ground started, registry first so no push is cut off by dockerd going away.
 * ground.json goes too, so a test run without the ground fails fast in loadGround().
 * The storage, certificates and image cache stay for the next cold start.
 */
export async function stopStartedParts(): Promise<void> {
  const parts = readStartedParts()
  rmSync(GROUND_FILE, { force: true })
  if (parts.registryPid !== null) await stopRegistry(parts.registryPid)
  writeStartedParts({ ...parts, registryPid: null })
  if (parts.dockerdPid !== null) await stopDockerd(parts.dockerdPid)
  writeStartedParts({ dockerdPid: null, registryPid: null })
}
