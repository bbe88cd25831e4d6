import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { z } from 'zod'
import { UsageError } from '../../shared/errors.ts'
import { hideInLogs } from '../../shared/log-secrets.ts'
import type { Credentials } from '../registry/auth.ts'

/** The registry and repository `--from` names. */
export interface SourceRef {
  /** As the user wrote the registry: `docker.io`, `ghcr.io`, `127.0.0.1:5000`. */
  readonly host: string
  /** Where its API answers: Docker Hub's is registry-1.docker.io. */
  readonly baseUrl: string
  readonly repository: string
  /** `docker.io/acme/web`, for messages. */
  readonly name: string
}

const DOCKER_HUB = 'docker.io'
const REPOSITORY = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/

/**
 * Parses `--from` as docker does: a first part with a dot, a colon or `localhost` is a registry, anything
 * else is on Docker Hub, where a one-part name is an official image (`nginx` is `library/nginx`). A
 * loopback registry is spoken to over plain HTTP, as docker allows for 127.0.0.0/8 by default.
 */
export function parseSource(text: string): SourceRef {
  if (/[@]|:[^/]*$/.test(text.replace(/^[^/]*\//, ''))) {
    throw new UsageError(
      `--from names a repository, not a tag or digest ("${text}"): choose tags with --tags`,
    )
  }
  const parts = text.split('/')
  const first = parts[0] ?? ''
  const hasHost = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')
  const host = hasHost ? first : DOCKER_HUB
  let repository = (hasHost ? parts.slice(1) : parts).join('/')
  if (host === DOCKER_HUB && !repository.includes('/')) repository = `library/${repository}`
  if (!REPOSITORY.test(repository)) {
    throw new UsageError(
      `--from "${text}": "${repository}" is not a repository name (lower case, digits, . _ - and /)`,
    )
  }
  const loopback = /^(?:127\.\d+\.\d+\.\d+|localhost|\[::1\])(?::\d+)?$/.test(host)
  const baseUrl =
    host === DOCKER_HUB ? 'https://registry-1.docker.io' : `${loopback ? 'http' : 'https'}://${host}`
  return { host, baseUrl, repository, name: `${host}/${repository}` }
}

/** The source login and where it came from, for the log line (never the values). */
export interface SourceLogin {
  readonly credentials: Credentials
  readonly from: string
}

const dockerConfig = z
  .object({
    auths: z.record(z.string(), z.object({ auth: z.string().optional() }).loose()).optional(),
    credsStore: z.string().optional(),
    credHelpers: z.record(z.string(), z.string()).optional(),
  })
  .loose()

/** The keys a docker config may hold Docker Hub's login under (`docker login` writes the first). */
const HUB_KEYS = ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io']

/**
 * The source registry's login: DOCKERHUB_USERNAME and DOCKERHUB_TOKEN, or the `auths` entry for the
 * source host in the docker config file (read, never written). Never a flag: argv shows in process lists.
 * Logins kept by a credential helper (credsStore, credHelpers) are not read; that is said, not guessed.
 */
export function sourceLogin(
  source: SourceRef,
  env: NodeJS.ProcessEnv,
  note: (message: string) => void,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): SourceLogin | undefined {
  const username = env.DOCKERHUB_USERNAME
  const token = env.DOCKERHUB_TOKEN
  if ((username === undefined) !== (token === undefined)) {
    throw new UsageError('set both DOCKERHUB_USERNAME and DOCKERHUB_TOKEN, or neither')
  }
  if (username !== undefined && token !== undefined) {
    hideInLogs(token)
    return { credentials: { username, password: token }, from: 'DOCKERHUB_USERNAME and DOCKERHUB_TOKEN' }
  }
  const path = join(env.DOCKER_CONFIG ?? join(homedir(), '.docker'), 'config.json')
  let text: string
  try {
    text = readFile(path)
  } catch {
    return undefined
  }
  const parsed = dockerConfig.safeParse(JSON.parse(text))
  if (!parsed.success) throw new UsageError(`${path} is not a docker config file (auths, credsStore)`)
  const keys = source.host === DOCKER_HUB ? HUB_KEYS : [source.host, `https://${source.host}`]
  const entry = keys.map((key) => parsed.data.auths?.[key]?.auth).find((auth) => auth !== undefined)
  if (entry === undefined) {
    if (parsed.data.credsStore !== undefined || parsed.data.credHelpers !== undefined) {
      note(
        `${path} keeps logins in a credential helper, which migrate does not run: set DOCKERHUB_USERNAME and DOCKERHUB_TOKEN`,
      )
    }
    return undefined
  }
  const decoded = Buffer.from(entry, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 1)
    throw new UsageError(`the auths entry for ${source.host} in ${path} is not base64 of user:password`)
  const password = decoded.slice(colon + 1)
  hideInLogs(password, entry)
  return { credentials: { username: decoded.slice(0, colon), password }, from: path }
}
