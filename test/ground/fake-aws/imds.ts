import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'

/** How the simulated EC2 instance behind IMDS looks. */
export interface ImdsOptions {
  readonly accountId: string
  readonly region: string
  readonly instanceId: string
  readonly roleName: string
  /**
   * How long each set of role credentials lives: the `Expiration` IMDS reports, after which the fake's
   * services refuse them (ExpiredTokenException), as AWS does. IMDS hands out new keys from five minutes
   * (at most half the lifetime) before that.
   */
  readonly credentialLifetimeMs: number
  readonly now: () => number
}

/** Test controls of the fake IMDS. */
export interface ImdsControls {
  readonly roleName: string
  readonly instanceId: string
  readonly availabilityZone: string
  /** Access key ids handed out so far, oldest first; the last one is current. */
  readonly issuedKeys: readonly string[]
  /** The secret access keys and session tokens handed out so far, for tests that look for leaks. */
  readonly issuedSecrets: readonly string[]
  /**
   * Makes the current credentials expire now: SSM and ECR refuse them (ExpiredTokenException) and the
   * next fetch gets new keys. A client still holds the `Expiration` it was given and keeps using them
   * until then; to see a client cross an expiry as on AWS, give a short `credentialLifetimeMs` instead.
   */
  expireCredentials(): void
}

interface RoleCredentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly token: string
  readonly issuedAt: number
  expiresAt: number
}

const MAX_TOKEN_TTL_SECONDS = 21600

/**
 * How long past its `Expiration` a key is still accepted: a request signed just before the expiry may
 * arrive just after it, and a test must not depend on that race.
 */
const EXPIRY_ALLOWANCE_MS = 1000

interface Reply {
  readonly status: number
  readonly body: string
  readonly headers?: Record<string, string>
}

/** IMDSv2 only: session tokens are required, as with `HttpTokens: required` on a real instance. */
export function createImds(options: ImdsOptions) {
  const tokens = new Map<string, number>()
  const issuedKeys: string[] = []
  const issuedSecrets: string[] = []
  const issued = new Map<string, RoleCredentials>()
  const availabilityZone = `${options.region}a`
  let current: RoleCredentials | undefined

  const credentials = (): RoleCredentials => {
    // EC2 makes new credentials available at least five minutes before the old ones expire, so a
    // client that refetches near its Expiration never gets keys about to lapse.
    const rotateBefore = Math.min(5 * 60 * 1000, options.credentialLifetimeMs / 2)
    if (current === undefined || current.expiresAt - rotateBefore <= options.now()) {
      const issuedAt = options.now()
      current = {
        accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
        secretAccessKey: randomBytes(20).toString('hex'),
        token: randomBytes(32).toString('base64'),
        issuedAt,
        expiresAt: issuedAt + options.credentialLifetimeMs,
      }
      issuedKeys.push(current.accessKeyId)
      issued.set(current.accessKeyId, current)
      issuedSecrets.push(current.secretAccessKey, current.token)
    }
    return current
  }

  const answer = (path: string): string | undefined => {
    const base = '/latest/meta-data/iam/security-credentials/'
    if (path === base) return options.roleName
    if (path === `${base}${options.roleName}` || path === `${base}${options.roleName}/`) {
      const creds = credentials()
      return JSON.stringify({
        Code: 'Success',
        LastUpdated: new Date(creds.issuedAt).toISOString(),
        Type: 'AWS-HMAC',
        AccessKeyId: creds.accessKeyId,
        SecretAccessKey: creds.secretAccessKey,
        Token: creds.token,
        Expiration: new Date(creds.expiresAt).toISOString(),
      })
    }
    if (path === '/latest/dynamic/instance-identity/document') {
      return JSON.stringify({
        accountId: options.accountId,
        architecture: 'x86_64',
        availabilityZone,
        imageId: 'ami-0123456789abcdef0',
        instanceId: options.instanceId,
        instanceType: 't3.small',
        pendingTime: new Date(0).toISOString(),
        privateIp: '127.0.0.1',
        region: options.region,
        version: '2017-09-30',
      })
    }
    const plain: Record<string, string> = {
      '/latest/meta-data/placement/availability-zone': availabilityZone,
      '/latest/meta-data/placement/region': options.region,
      '/latest/meta-data/instance-id': options.instanceId,
    }
    return plain[path.replace(/\/$/, '')]
  }

  const respond = (req: IncomingMessage, path: string): Reply => {
    if (path === '/latest/api/token') {
      const ttl = Number(req.headers['x-aws-ec2-metadata-token-ttl-seconds'])
      if (req.method !== 'PUT') return { status: 405, body: '' }
      // A missing or bad TTL header is a 400, which the SDK treats as a hard error (no IMDSv1 fallback).
      if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TOKEN_TTL_SECONDS) return { status: 400, body: '' }
      const token = randomBytes(24).toString('base64url')
      tokens.set(token, options.now() + ttl * 1000)
      return { status: 200, body: token, headers: { 'x-aws-ec2-metadata-token-ttl-seconds': String(ttl) } }
    }
    const token = req.headers['x-aws-ec2-metadata-token']
    const expiry = typeof token === 'string' ? tokens.get(token) : undefined
    if (req.method !== 'GET' || expiry === undefined || expiry <= options.now())
      return { status: 401, body: '' }
    const body = answer(path)
    return body === undefined ? { status: 404, body: '' } : { status: 200, body }
  }

  const controls: ImdsControls = {
    roleName: options.roleName,
    instanceId: options.instanceId,
    availabilityZone,
    issuedKeys,
    issuedSecrets,
    expireCredentials() {
      if (current !== undefined) current.expiresAt = options.now() - EXPIRY_ALLOWANCE_MS
    },
  }

  return {
    controls,
    /** True for a key this IMDS issued whose expiry has passed; keys from elsewhere are never expired. */
    expired(accessKeyId: string | undefined): boolean {
      const creds = accessKeyId === undefined ? undefined : issued.get(accessKeyId)
      return creds !== undefined && creds.expiresAt + EXPIRY_ALLOWANCE_MS <= options.now()
    },
    handle(req: IncomingMessage, res: ServerResponse, path: string): void {
      const reply = respond(req, path)
      writeText(res, reply.status, reply.body, reply.headers)
    },
  }
}

function writeText(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': 'text/plain',
    'content-length': Buffer.byteLength(body),
    ...headers,
  })
  res.end(body)
}
