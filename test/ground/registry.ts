import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { request } from 'node:https'
import { join } from 'node:path'
import { isAlive, spawnDaemon, stopDaemon, waitUntil } from './daemon-process.ts'
import type { TlsFiles } from './test-ca.ts'

const REGISTRY_BINARY = '/usr/bin/docker-registry'
const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
].join(', ')

/** How to reach the ECR-shaped registry on 127.0.0.1:443 as `host`, with basic auth. */
export interface RegistryAccess {
  readonly host: string
  readonly caCert: string
  readonly user: string
  readonly password: string
}

/**
 * Writes the registry config and its htpasswd (bcrypt, the only scheme the registry accepts).
 * The password goes to htpasswd on stdin so it never shows in a process list. The ground's ECR-shaped
 * registry listens with TLS on 127.0.0.1:443; a second one (playing Docker Hub) may listen elsewhere
 * over plain HTTP (`tls` null).
 */
export function writeRegistryFiles(
  dir: string,
  tls: TlsFiles | null,
  access: Pick<RegistryAccess, 'user' | 'password'>,
  addr = '127.0.0.1:443',
): string {
  const htpasswd = join(dir, 'htpasswd')
  execFileSync('htpasswd', ['-B', '-i', '-c', htpasswd, access.user], {
    input: access.password,
    stdio: ['pipe', 'ignore', 'pipe'],
  })
  const config = join(dir, 'registry.yml')
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(dir, 'storage')}`,
      'http:',
      `  addr: ${addr}`,
      ...(tls === null ? [] : ['  tls:', `    certificate: ${tls.serverCert}`, `    key: ${tls.serverKey}`]),
      'auth:',
      '  htpasswd:',
      '    realm: ecr-ssm-deploy-ground',
      `    path: ${htpasswd}`,
      '',
    ].join('\n'),
  )
  return config
}

/** How to ask a registry for `GET /v2/` with its login: the HTTP status, 0 when nothing answers. */
export type RegistryProbe = () => Promise<number>

/**
 * Starts the registry and waits until `probe` (by default `access` on 127.0.0.1:443) answers 200;
 * returns its pid.
 */
export async function startRegistry(
  config: string,
  dir: string,
  access: RegistryAccess | null,
  probe: RegistryProbe = async () =>
    access === null ? 0 : (await registryStatus(access, '/v2/', 'GET')).status,
  where = '127.0.0.1:443',
): Promise<number> {
  const logPath = join(dir, 'registry.log')
  const holder = await probe()
  if (holder !== 0) {
    throw new Error(
      `something that is not this test ground already answers on ${where} (HTTP ${holder}); stop it and rerun`,
    )
  }
  const pid = spawnDaemon(REGISTRY_BINARY, ['serve', config], logPath)
  try {
    await waitUntil(`the registry on ${where} (log: ${logPath})`, 15_000, async () => {
      if (!isAlive(pid)) throw new Error(`the registry exited at start; see ${logPath}`)
      return (await probe()) === 200
    })
  } catch (error) {
    await stopDaemon(pid, REGISTRY_BINARY, 5_000)
    throw error
  }
  return pid
}

export function stopRegistry(pid: number): Promise<void> {
  return stopDaemon(pid, REGISTRY_BINARY, 10_000)
}

/** The digest the registry serves for `repository:tag`, or null when it does not hold it. */
export async function manifestDigest(
  access: RegistryAccess,
  repository: string,
  tag: string,
): Promise<string | null> {
  const answer = await registryStatus(access, `/v2/${repository}/manifests/${tag}`, 'HEAD')
  return answer.status === 200 ? answer.digest : null
}

/**
 * One request to the registry; status 0 when nothing answers. Connects to 127.0.0.1 with the ECR
 * host name as TLS server name, so it works before /etc/hosts is touched.
 */
export function registryStatus(
  access: RegistryAccess,
  path: string,
  method: 'GET' | 'HEAD',
): Promise<{ status: number; digest: string | null }> {
  const auth = Buffer.from(`${access.user}:${access.password}`).toString('base64')
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: 443,
        servername: access.host,
        method,
        path,
        ca: readFileSync(access.caCert),
        headers: { host: access.host, authorization: `Basic ${auth}`, accept: MANIFEST_TYPES },
        timeout: 5000,
      },
      (res) => {
        res.resume()
        const digest = res.headers['docker-content-digest']
        resolve({ status: res.statusCode ?? 0, digest: typeof digest === 'string' ? digest : null })
      },
    )
    req.on('timeout', () => req.destroy())
    req.on('error', () => resolve({ status: 0, digest: null }))
    req.end()
  })
}
