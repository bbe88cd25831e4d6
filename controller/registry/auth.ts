import { hideInLogs } from '../../shared/log-secrets.ts'

/** A registry login: Docker Hub user and access token, or ECR's `AWS` and its authorization token. */
export interface Credentials {
  readonly username: string
  readonly password: string
}

/** What a registry's `WWW-Authenticate` asks for. */
export type Challenge =
  | { readonly scheme: 'basic' }
  | { readonly scheme: 'bearer'; readonly realm: string; readonly service?: string; readonly scope?: string }

/**
 * Parses `WWW-Authenticate: Bearer realm="...",service="...",scope="..."` or `Basic realm="..."`.
 * Quoted values may hold commas (a scope with several actions), so the parameters are read by pattern.
 */
export function parseChallenge(header: string | null): Challenge | undefined {
  if (header === null) return undefined
  const match = /^\s*(\w+)\s*(.*)$/s.exec(header)
  const scheme = match?.[1]?.toLowerCase()
  if (scheme === 'basic') return { scheme: 'basic' }
  if (scheme !== 'bearer') return undefined
  const params = new Map<string, string>()
  for (const param of (match?.[2] ?? '').matchAll(/(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g)) {
    params.set((param[1] ?? '').toLowerCase(), (param[2] ?? param[3] ?? '').replace(/\\(.)/g, '$1'))
  }
  const realm = params.get('realm')
  if (realm === undefined) return undefined
  const service = params.get('service')
  const scope = params.get('scope')
  return {
    scheme: 'bearer',
    realm,
    ...(service === undefined ? {} : { service }),
    ...(scope === undefined ? {} : { scope }),
  }
}

export function basicHeader(credentials: Credentials): string {
  const value = Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')
  hideInLogs(credentials.password, value)
  return `Basic ${value}`
}

/** The token endpoint's URL for a challenge, with the scope this request needs when the challenge names none. */
export function tokenUrl(challenge: Extract<Challenge, { scheme: 'bearer' }>, scope: string): URL {
  const url = new URL(challenge.realm)
  if (challenge.service !== undefined) url.searchParams.set('service', challenge.service)
  url.searchParams.set('scope', challenge.scope ?? scope)
  return url
}
