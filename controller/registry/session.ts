import { RegistryAuthError, RegistryError } from '../../shared/errors.ts'
import { hideInLogs } from '../../shared/log-secrets.ts'
import { terminalLine } from '../../shared/terminal-text.ts'
import { basicHeader, type Credentials, parseChallenge, tokenUrl } from './auth.ts'

/** One request to a registry, with the auth scope it needs (`repository:acme/web:pull`). */
export interface Send {
  readonly method: string
  readonly path: string
  readonly scope: string
  readonly headers?: Record<string, string>
  readonly body?: Buffer | ReadableStream<Uint8Array>
}

/**
 * HTTP to one registry with its login. Auth follows the registry's challenge: Basic (ECR, htpasswd) or
 * a Bearer token per scope (Docker Hub), fetched again once when a request is refused, as tokens expire
 * in minutes on a long copy. A streamed body cannot be sent twice, so it goes only where an earlier
 * request of the same scope has already logged in.
 */
export class RegistrySession {
  readonly host: string
  readonly base: URL
  readonly #credentials: Credentials | undefined
  readonly #fetch: typeof fetch
  readonly #auth = new Map<string, string>()
  #basic: string | undefined

  constructor(host: string, base: URL, credentials: Credentials | undefined, fetcher: typeof fetch) {
    this.host = host
    this.base = base
    this.#credentials = credentials
    this.#fetch = fetcher
  }

  /** Sends with the credentials the scope needs; on 401 gets them again from the challenge and retries once. */
  async send(request: Send, retried = false): Promise<Response> {
    const headers = new Headers(request.headers)
    const auth = this.#auth.get(request.scope) ?? this.#basic
    if (auth !== undefined) headers.set('authorization', auth)
    const url = new URL(request.path, this.base)
    const res = await this.#fetch(url, {
      method: request.method,
      headers,
      ...(request.body === undefined ? {} : { body: request.body, duplex: 'half' }),
    } as RequestInit).catch((error: unknown) => {
      throw new RegistryError(`cannot reach ${this.host}: ${(error as Error).message}`, { cause: error })
    })
    if (res.status !== 401) return res
    await res.body?.cancel()
    const refused = `${this.host} refused ${this.#who()} for ${request.scope}`
    if (retried || request.body instanceof ReadableStream) throw new RegistryAuthError(refused)
    await this.#authenticate(res.headers.get('www-authenticate'), request.scope, refused)
    return this.send(request, true)
  }

  async #authenticate(header: string | null, scope: string, refused: string): Promise<void> {
    const challenge = parseChallenge(header)
    if (challenge === undefined) throw new RegistryAuthError(`${refused}, and named no way to log in`)
    if (challenge.scheme === 'basic') {
      if (this.#credentials === undefined)
        throw new RegistryAuthError(`${this.host} needs a login for ${scope}`)
      this.#basic = basicHeader(this.#credentials)
      return
    }
    const url = tokenUrl(challenge, scope)
    // The login goes wherever the realm says, as docker sends it; never in clear from an https registry.
    if (url.protocol !== 'https:' && this.base.protocol === 'https:') {
      throw new RegistryAuthError(
        `${this.host} names a token service that is not https; the login was not sent`,
      )
    }
    const headers = new Headers()
    if (this.#credentials !== undefined) headers.set('authorization', basicHeader(this.#credentials))
    const res = await this.#fetch(url, { headers }).catch((error: unknown) => {
      throw new RegistryError(`cannot reach the token service of ${this.host}: ${(error as Error).message}`, {
        cause: error,
      })
    })
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel()
      throw new RegistryAuthError(`the token service of ${this.host} refused ${this.#who()}`)
    }
    if (!res.ok) throw await this.failure(res, `getting a token for ${scope}`)
    const body = (await res.json()) as { token?: unknown; access_token?: unknown }
    const token = typeof body.token === 'string' ? body.token : body.access_token
    if (typeof token !== 'string' || token === '') {
      throw new RegistryAuthError(`the token service of ${this.host} answered no token for ${scope}`)
    }
    hideInLogs(token)
    this.#auth.set(scope, `Bearer ${token}`)
  }

  #who(): string {
    return this.#credentials === undefined
      ? 'anonymous access'
      : `the login of "${terminalLine(this.#credentials.username)}"`
  }

  /** An error naming what failed and the registry's own error codes (text from the registry is kept short and printable). */
  async failure(res: Response, what: string): Promise<RegistryError> {
    const text = await res.text().catch(() => '')
    let codes = ''
    try {
      const body = JSON.parse(text) as { errors?: { code?: unknown }[] }
      codes = (body.errors ?? [])
        .map((error) =>
          typeof error.code === 'string' ? error.code.replace(/[^A-Z_]/g, '').slice(0, 40) : '',
        )
        .filter((code) => code !== '')
        .join(', ')
    } catch {
      // Not JSON: the status alone says enough.
    }
    const detail = codes === '' ? '' : ` (${codes})`
    if (res.status === 429) {
      return new RegistryError(
        `${this.host} is rate limiting ${what}${detail}: wait, then run the same command again`,
      )
    }
    return new RegistryError(`${this.host} answered HTTP ${res.status} to ${what}${detail}`)
  }
}
