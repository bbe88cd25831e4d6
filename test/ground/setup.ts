/**
 * tap `before` hook: brings up the shared test ground (dockerd if none runs, the ECR-shaped
 * registry, the pushed test images) or joins the one another tap run already started.
 * It runs as a child of the tap runner, so the runner's pid names this run's lease.
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Docker from 'dockerode'
import { isAlive } from './daemon-process.ts'
import { ensureDockerd } from './docker-engine.ts'
import {
  ACCOUNT_ID,
  DOCKER_SOCKET,
  DOWN_REGISTRY_HOST,
  GROUND_DIR,
  GROUND_FILE,
  type Ground,
  REGION,
  REGISTRY_HOST,
} from './ground.ts'
import { readStartedParts, stopStartedParts, writeStartedParts } from './ground-state.ts'
import { ensureHostNames } from './hosts-file.ts'
import { openLeaseBook } from './lease.ts'
import {
  type RegistryAccess,
  registryStatus,
  startRegistry,
  stopRegistry,
  writeRegistryFiles,
} from './registry.ts'
import { ensureTlsFiles, trustInDocker } from './test-ca.ts'
import { ensureTestImages } from './test-images.ts'

const RESTART = `stop what the ground started with "npx tsx test/ground/teardown.ts", then run the tests again`
const runPid = process.ppid
const startedAt = Date.now()
mkdirSync(GROUND_DIR, { recursive: true, mode: 0o700 })
const book = openLeaseBook(GROUND_DIR)

await book.withLock(300_000, async () => {
  book.take(runPid)
  try {
    const how = await bringUp()
    const seconds = ((Date.now() - startedAt) / 1000).toFixed(1)
    process.stderr.write(`test ground ${how} in ${seconds} s (${GROUND_DIR})\n`)
  } catch (error) {
    book.release(runPid)
    if (book.liveHolders().length === 0) await stopStartedParts()
    throw error
  }
})

/**
 * One ground step: a failure says which step failed and how to recover, since a half-started ground is
 * what the next run finds.
 */
async function step<T>(name: string, recovery: string, run: () => T | Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (error) {
    throw new Error(
      `test ground: step "${name}" failed: ${(error as Error).message}\nto recover: ${recovery}`,
      { cause: error },
    )
  }
}

/** Returns how the ground came up, for the timing line. */
async function bringUp(): Promise<string> {
  const parts = readStartedParts()
  if (parts.dockerdPid !== null && !isAlive(parts.dockerdPid)) parts.dockerdPid = null
  // Host names first: dockerd reads /etc/hosts once when it starts and would not see entries added later.
  await step(
    'host names in /etc/hosts',
    'run the tests as root, or add the names to /etc/hosts by hand',
    () => ensureHostNames({ [REGISTRY_HOST]: '127.0.0.1', [DOWN_REGISTRY_HOST]: '127.0.0.2' }),
  )
  const tls = await step('test CA and registry certificate', RESTART, () => {
    const files = ensureTlsFiles(join(GROUND_DIR, 'tls'), [REGISTRY_HOST])
    trustInDocker(REGISTRY_HOST, files.caCert)
    return files
  })
  const startedDockerd = await step(
    'dockerd',
    `check that the docker.io package is installed and that nothing else holds ${DOCKER_SOCKET}; its log is in ${GROUND_DIR}`,
    () => ensureDockerd(DOCKER_SOCKET, GROUND_DIR),
  )
  if (startedDockerd !== null) parts.dockerdPid = startedDockerd
  writeStartedParts(parts)

  let access = previousAccess(tls.caCert)
  const reused =
    access !== null &&
    parts.registryPid !== null &&
    isAlive(parts.registryPid) &&
    (await registryStatus(access, '/v2/', 'GET')).status === 200
  if (!reused || access === null) {
    // A registry of ours that no longer accepts the recorded password would hold port 443.
    if (parts.registryPid !== null) await stopRegistry(parts.registryPid)
    // A fresh password per registry start: nothing outlives the ground that could still use it.
    const fresh: RegistryAccess = {
      host: REGISTRY_HOST,
      caCert: tls.caCert,
      user: 'AWS',
      password: randomBytes(24).toString('base64url'),
    }
    access = fresh
    parts.registryPid = await step(
      'registry on 127.0.0.1:443',
      `check that the docker-registry package is installed and that nothing else listens on port 443; its log is in ${GROUND_DIR}`,
      () => startRegistry(writeRegistryFiles(GROUND_DIR, tls, fresh), GROUND_DIR, fresh),
    )
    writeStartedParts(parts)
  }

  const registry = access
  const images = await step('test images', RESTART, () =>
    ensureTestImages(new Docker({ socketPath: DOCKER_SOCKET }), GROUND_DIR, registry),
  )
  const ground: Ground = {
    accountId: ACCOUNT_ID,
    region: REGION,
    registryHost: REGISTRY_HOST,
    registryUrl: `https://${REGISTRY_HOST}`,
    downRegistryHost: DOWN_REGISTRY_HOST,
    registryUser: 'AWS',
    registryPassword: access.password,
    caCertPath: tls.caCert,
    dockerSocket: DOCKER_SOCKET,
    images,
  }
  writeFileSync(GROUND_FILE, `${JSON.stringify(ground, null, 2)}\n`, { mode: 0o600 })
  const dockerd = startedDockerd === null ? 'dockerd already running' : 'dockerd started'
  return reused ? `reused (${dockerd})` : `started (${dockerd}, registry started)`
}

function previousAccess(caCert: string): RegistryAccess | null {
  try {
    const ground = JSON.parse(readFileSync(GROUND_FILE, 'utf8')) as Ground
    return { host: REGISTRY_HOST, caCert, user: 'AWS', password: ground.registryPassword }
  } catch {
    return null
  }
}
