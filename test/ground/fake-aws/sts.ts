import { randomBytes, randomUUID } from 'node:crypto'
import type { ServerResponse } from 'node:http'
import { AwsError } from './protocol.ts'

const NS = 'https://sts.amazonaws.com/doc/2011-06-15/'

/** Test controls of the fake STS. */
export interface StsControls {
  /** Access key ids handed out so far, oldest first. */
  readonly issuedKeys: readonly string[]
}

/**
 * STS AssumeRoleWithWebIdentity over the query protocol. Any JWT-shaped token (three dot-separated
 * base64url parts) is accepted; anything else is InvalidIdentityToken, as STS answers garbage.
 */
export function createSts(options: { accountId: string; now: () => number }) {
  const issuedKeys: string[] = []
  const assume = (params: URLSearchParams): string => {
    const token = params.get('WebIdentityToken') ?? ''
    if (!/^[\w-]+\.[\w-]+\.[\w-]*$/.test(token)) {
      throw new AwsError(
        'InvalidIdentityToken',
        "Couldn't retrieve verification key from your identity provider",
      )
    }
    const roleArn = params.get('RoleArn') ?? ''
    const roleName = roleArn.split('/').pop() ?? 'role'
    const session = params.get('RoleSessionName') ?? 'session'
    const duration = Number(params.get('DurationSeconds') ?? '3600')
    const accessKeyId = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`
    issuedKeys.push(accessKeyId)
    const expiration = new Date(options.now() + duration * 1000).toISOString()
    return `<AssumeRoleWithWebIdentityResponse xmlns="${NS}">
  <AssumeRoleWithWebIdentityResult>
    <Credentials>
      <AccessKeyId>${accessKeyId}</AccessKeyId>
      <SecretAccessKey>${randomBytes(20).toString('hex')}</SecretAccessKey>
      <SessionToken>${randomBytes(32).toString('base64')}</SessionToken>
      <Expiration>${expiration}</Expiration>
    </Credentials>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::${options.accountId}:assumed-role/${escapeXml(roleName)}/${escapeXml(session)}</Arn>
      <AssumedRoleId>AROA${randomBytes(8).toString('hex').toUpperCase()}:${escapeXml(session)}</AssumedRoleId>
    </AssumedRoleUser>
    <SubjectFromWebIdentityToken>repo:example/app:ref:refs/heads/main</SubjectFromWebIdentityToken>
    <Audience>sts.amazonaws.com</Audience>
    <Provider>arn:aws:iam::${options.accountId}:oidc-provider/token.actions.githubusercontent.com</Provider>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>`
  }
  return {
    controls: { issuedKeys } satisfies StsControls,
    /** Answers one query-protocol request whose form body is already parsed. */
    handle(params: URLSearchParams, res: ServerResponse): void {
      const action = params.get('Action')
      if (action !== 'AssumeRoleWithWebIdentity') {
        writeXmlError(
          res,
          new AwsError('InvalidAction', `Could not find operation ${action ?? ''} for version 2011-06-15`),
        )
        return
      }
      try {
        writeXml(res, 200, assume(params))
      } catch (error) {
        if (error instanceof AwsError) writeXmlError(res, error)
        else throw error
      }
    },
  }
}

/** Writes a query-protocol error: ErrorResponse > Error{Type, Code, Message} + RequestId. */
export function writeXmlError(res: ServerResponse, error: AwsError): void {
  const type = error.status >= 500 ? 'Receiver' : 'Sender'
  writeXml(
    res,
    error.status,
    `<ErrorResponse xmlns="${NS}">
  <Error><Type>${type}</Type><Code>${escapeXml(error.type)}</Code><Message>${escapeXml(error.message)}</Message></Error>
  <RequestId>${randomUUID()}</RequestId>
</ErrorResponse>`,
  )
}

export function writeXml(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(body) })
  res.end(body)
}

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}
