import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import { startRegistry, stopRegistry, writeRegistryFiles } from '../ground/registry.ts'
import { freePort } from './free-port.ts'

/** A second distribution registry playing Docker Hub: plain HTTP on a loopback port, htpasswd login. */
export interface HubRegistry {
  /** `127.0.0.1:<port>`, what `--from` names. */
  readonly host: string
  readonly url: string
  readonly user: string
  readonly password: string
  /** The registry's storage directory, for tests that take a blob away underneath it. */
  readonly storage: string
}

/** Starts it with the ground's registry code (same binary and config, another address); stopped at teardown. */
export async function startHubRegistry(t: Test): Promise<HubRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'hub-registry-'))
  const port = await freePort()
  const hub = {
    storage: join(dir, 'storage'),
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    user: 'acme',
    password: randomBytes(18).toString('base64url'),
  }
  const config = writeRegistryFiles(dir, null, hub, hub.host)
  const authorization = `Basic ${Buffer.from(`${hub.user}:${hub.password}`).toString('base64')}`
  const probe = (): Promise<number> =>
    fetch(`${hub.url}/v2/`, { headers: { authorization } }).then(
      (res) => res.status,
      () => 0,
    )
  const pid = await startRegistry(config, dir, null, probe, hub.host)
  t.teardown(async () => {
    await stopRegistry(pid)
    rmSync(dir, { recursive: true, force: true })
  })
  return hub
}
