import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr'
import { mockClient } from 'aws-sdk-client-mock'
import t from 'tap'
import { EcrRegistryAuth } from '../../../agent/ecr/ecr-registry-auth.ts'
import { AwsAuthError, AwsError } from '../../../shared/errors.ts'
import { parseImageRef } from '../../../shared/image-ref.ts'

const IMAGE = parseImageRef('123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:v1')
const HOUR = 3600_000

function setup(t: { teardown: (fn: () => void) => void }) {
  const ecr = mockClient(ECRClient)
  t.teardown(() => ecr.restore())
  let now = Date.parse('2026-01-01T00:00:00Z')
  const regions: string[] = []
  const auth = new EcrRegistryAuth({
    clientFor: (region) => {
      regions.push(region)
      return new ECRClient({ region, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } })
    },
    now: () => now,
  })
  const token = (password: string) => ({
    authorizationData: [
      {
        authorizationToken: Buffer.from(`AWS:${password}`).toString('base64'),
        expiresAt: new Date(now + 12 * HOUR),
        proxyEndpoint: `https://${IMAGE.registry}`,
      },
    ],
  })
  return { ecr, auth, regions, token, advance: (ms: number) => (now += ms) }
}

t.test('decodes the token, asks for the image account in the image region, caches it', async (t) => {
  const { ecr, auth, regions, token, advance } = setup(t)
  ecr.on(GetAuthorizationTokenCommand).resolvesOnce(token('pass:with:colons')).resolves(token('second'))
  const expected = {
    username: 'AWS',
    password: 'pass:with:colons',
    serveraddress: `https://${IMAGE.registry}`,
  }
  t.strictSame(await auth.authFor(IMAGE), expected)
  advance(11 * HOUR)
  t.strictSame(await auth.authFor(IMAGE), expected, 'still cached 11 h later')
  t.strictSame(
    ecr.commandCalls(GetAuthorizationTokenCommand).map((c) => c.args[0].input),
    [{ registryIds: ['123456789012'] }],
  )
  t.strictSame(regions, ['eu-west-1'])
  advance(50 * 60_000)
  t.equal((await auth.authFor(IMAGE)).password, 'second', 'renewed shortly before expiry')
  t.equal(ecr.commandCalls(GetAuthorizationTokenCommand).length, 2)
})

t.test('one token per registry', async (t) => {
  const { ecr, auth, regions, token } = setup(t)
  ecr.on(GetAuthorizationTokenCommand).resolves(token('p'))
  await auth.authFor(IMAGE)
  const other = await auth.authFor(parseImageRef('210987654321.dkr.ecr.us-east-2.amazonaws.com/web:v1'))
  t.equal(other.serveraddress, 'https://210987654321.dkr.ecr.us-east-2.amazonaws.com')
  t.strictSame(regions, ['eu-west-1', 'us-east-2'])
  t.strictSame(
    ecr.commandCalls(GetAuthorizationTokenCommand).map((c) => c.args[0].input.registryIds),
    [['123456789012'], ['210987654321']],
  )
})

t.test('refused credentials are AwsAuthError with the next step; other failures AwsError', async (t) => {
  const { ecr, auth } = setup(t)
  const denied = Object.assign(new Error('User is not authorized to perform ecr:GetAuthorizationToken'), {
    name: 'AccessDeniedException',
  })
  ecr.on(GetAuthorizationTokenCommand).rejectsOnce(denied).rejectsOnce(new Error('socket hang up'))
  await t.rejects(auth.authFor(IMAGE), {
    constructor: AwsAuthError,
    message:
      'ECR GetAuthorizationToken for account 123456789012 in eu-west-1 was refused (AccessDeniedException: User is not authorized to perform ecr:GetAuthorizationToken). The instance role needs ecr:GetAuthorizationToken, and the instance must reach IMDSv2 for its credentials.',
  })
  await t.rejects(auth.authFor(IMAGE), {
    constructor: AwsError,
    message: /failed \(Error: socket hang up\)\. Check that ECR in eu-west-1 is reachable\./,
  })
})

t.test('an answer without a token is AwsError', async (t) => {
  const { ecr, auth } = setup(t)
  ecr.on(GetAuthorizationTokenCommand).resolves({ authorizationData: [] })
  await t.rejects(auth.authFor(IMAGE), { constructor: AwsError, message: /returned no usable token/ })
})
