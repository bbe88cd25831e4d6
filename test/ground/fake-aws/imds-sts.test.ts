import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { DescribeInstanceInformationCommand, SSMClient } from '@aws-sdk/client-ssm'
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { fromInstanceMetadata } from '@smithy/credential-provider-imds'
import t from 'tap'
import { startFakeAws } from './index.js'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')

t.test('IMDSv2: token required, role listing, identity document, placement', async (t) => {
  const aws = await startFakeAws()
  t.teardown(() => aws.close())
  const url = (p: string): string => `${aws.endpoint}${p}`
  t.equal(
    (await fetch(url('/latest/meta-data/iam/security-credentials/'))).status,
    401,
    'no token, no answer',
  )
  t.equal(
    (await fetch(url('/latest/api/token'), { method: 'PUT' })).status,
    400,
    'the TTL header is required',
  )
  const tokenRes = await fetch(url('/latest/api/token'), {
    method: 'PUT',
    headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '21600' },
  })
  t.equal(tokenRes.status, 200)
  const headers = { 'x-aws-ec2-metadata-token': await tokenRes.text() }
  const get = async (p: string) => (await fetch(url(p), { headers })).text()
  t.equal(await get('/latest/meta-data/iam/security-credentials/'), aws.imds.roleName)
  t.equal(await get('/latest/meta-data/placement/availability-zone/'), 'us-east-1a')
  const identity = JSON.parse(await get('/latest/dynamic/instance-identity/document'))
  t.match(identity, { accountId: '123456789012', region: 'us-east-1', instanceId: aws.imds.instanceId })
  const bad = await fetch(url('/latest/meta-data/instance-id'), {
    headers: { 'x-aws-ec2-metadata-token': 'forged' },
  })
  t.equal(bad.status, 401)
})

t.test('role credentials expire and are replaced by new keys', async (t) => {
  const aws = await startFakeAws()
  t.teardown(() => aws.close())
  const provider = () => fromInstanceMetadata({ timeout: 1000, maxRetries: 0 })
  process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = `${aws.endpoint}/`
  t.teardown(() => {
    delete process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT
  })
  const first = await provider()()
  t.equal(first.accessKeyId, aws.imds.issuedKeys[0])
  t.type(first.sessionToken, 'string')
  t.ok((first.expiration?.getTime() ?? 0) > Date.now() + 60 * 60 * 1000, 'expiry in the future')
  const same = await provider()()
  t.equal(same.accessKeyId, first.accessKeyId, 'unexpired keys are reused')
  aws.imds.expireCredentials()
  const second = await provider()()
  t.not(second.accessKeyId, first.accessKeyId, 'new keys after expiry')
  t.same(aws.imds.issuedKeys, [first.accessKeyId, second.accessKeyId])
})

t.test(
  'expired role keys are refused as AWS refuses them; a short Expiration makes the SDK refresh',
  async (t) => {
    const aws = await startFakeAws({ imds: { credentialLifetimeMs: 4 * 60 * 1000 } })
    t.teardown(() => aws.close())
    aws.ssm.addInstance({ id: 'i-0000000000000000a' })
    process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = `${aws.endpoint}/`
    t.teardown(() => {
      delete process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT
    })
    const describe = new DescribeInstanceInformationCommand({})
    const roleClient = new SSMClient({
      endpoint: aws.endpoint,
      region: 'us-east-1',
      credentials: fromInstanceMetadata({ timeout: 1000, maxRetries: 0 }),
    })
    const signers = () => aws.calls.map((call) => call.accessKeyId)
    await roleClient.send(describe)
    const [first] = aws.imds.issuedKeys
    const creds = await fromInstanceMetadata({ timeout: 1000, maxRetries: 0 })()
    t.ok((creds.expiration?.getTime() ?? 0) <= Date.now() + 4 * 60 * 1000, 'IMDS reports the short lifetime')

    aws.imds.expireCredentials()
    const stale = new SSMClient({
      endpoint: aws.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey },
    })
    await t.rejects(stale.send(describe), {
      name: 'ExpiredTokenException',
      message: 'The security token included in the request is expired',
      $metadata: { httpStatusCode: 400 },
    })
    await roleClient.send(describe)
    const second = aws.imds.issuedKeys[1]
    t.ok(second !== undefined && second !== first, 'IMDS issued new keys after the expiry')
    t.equal(signers().at(-1), second, 'the role client signed its next call with them')
    const other = new SSMClient({
      endpoint: aws.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDNOTFROMIMDS', secretAccessKey: 'x' },
    })
    t.ok(await other.send(describe), 'keys IMDS did not issue are not refused')
  },
)

t.test("the SDK default chain reaches IMDS and signs SSM calls with the role's keys", async (t) => {
  const aws = await startFakeAws()
  t.teardown(() => aws.close())
  aws.ssm.addInstance({ id: 'i-0000000000000000a' })
  const home = await mkdtemp(path.join(os.tmpdir(), 'fake-aws-home-'))
  t.teardown(() => rm(home, { recursive: true, force: true }))
  const program = [
    "import { SSMClient, DescribeInstanceInformationCommand } from '@aws-sdk/client-ssm'",
    'const out = await new SSMClient({}).send(new DescribeInstanceInformationCommand({}))',
    'console.log(out.InstanceInformationList.length)',
  ].join('\n')
  // A clean environment: no keys, no profile, only the fake's variables.
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, ...aws.env() }
  const child = spawn(process.execPath, ['--input-type=module', '-e', program], { cwd: repoRoot, env })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
  })
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const code = await new Promise((resolve) => child.on('close', resolve))
  t.equal(code, 0, stderr)
  t.equal(stdout.trim(), '1')
  const call = aws.calls.find((c) => c.operation === 'DescribeInstanceInformation')
  t.equal(call?.accessKeyId, aws.imds.issuedKeys[0], 'signed with the instance role keys')
  t.match(call?.accessKeyId, /^ASIA/)
})

t.test(
  'STS AssumeRoleWithWebIdentity: XML success with distinct keys, InvalidIdentityToken for garbage',
  async (t) => {
    const aws = await startFakeAws()
    t.teardown(() => aws.close())
    const sts = new STSClient({ endpoint: aws.endpoint, region: 'us-east-1' })
    const jwt = ['eyJhbGciOiJSUzI1NiJ9', 'eyJzdWIiOiJyZXBvOngvYXBwIn0', 'c2lnbmF0dXJl'].join('.')
    const assume = (WebIdentityToken: string) =>
      sts.send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: 'arn:aws:iam::123456789012:role/ci-deploy',
          RoleSessionName: 'gh-run',
          WebIdentityToken,
        }),
      )
    const one = await assume(jwt)
    const two = await assume(jwt)
    t.match(one.Credentials?.AccessKeyId, /^ASIA/)
    t.type(one.Credentials?.Expiration, Date)
    t.not(one.Credentials?.AccessKeyId, two.Credentials?.AccessKeyId)
    t.equal(one.AssumedRoleUser?.Arn, 'arn:aws:sts::123456789012:assumed-role/ci-deploy/gh-run')
    t.same(aws.sts.issuedKeys, [one.Credentials?.AccessKeyId, two.Credentials?.AccessKeyId])
    await t.rejects(assume('not-a-token'), { name: 'InvalidIdentityTokenException' })
    await t.rejects(assume(''), { name: 'InvalidIdentityTokenException' })
  },
)

t.test('IMDS faults: a failing credentials endpoint and a slow token endpoint', async (t) => {
  const aws = await startFakeAws()
  t.teardown(() => aws.close())
  process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = `${aws.endpoint}/`
  t.teardown(() => {
    delete process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT
  })
  aws.faults.fail('ImdsCredentials', { type: 'ServiceUnavailable', status: 503 }, 1)
  await t.rejects(fromInstanceMetadata({ timeout: 1000, maxRetries: 0 })(), 'one failed fetch')
  const creds = await fromInstanceMetadata({ timeout: 1000, maxRetries: 0 })()
  t.equal(creds.accessKeyId, aws.imds.issuedKeys[0], 'works again once the fault is used up')
  aws.faults.delay('ImdsToken', 1500)
  await t.rejects(fromInstanceMetadata({ timeout: 300, maxRetries: 0 })(), 'the SDK times out')
})
