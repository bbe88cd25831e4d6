import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { DescribeInstanceInformationCommand, SSMClient } from '@aws-sdk/client-ssm'
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { fromInstanceMetadata } from '@smithy/credential-provider-imds'
import t from 'tap'
import { startFakeAws } from './index.ts'

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
  'role keys past their Expiration are refused with ExpiredTokenException, other keys are not',
  async (t) => {
    let offset = 0
    const aws = await startFakeAws({ imds: { credentialLifetimeMs: 60_000 }, now: () => Date.now() + offset })
    t.teardown(() => aws.close())
    process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = `${aws.endpoint}/`
    t.teardown(() => {
      delete process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT
    })
    const describe = new DescribeInstanceInformationCommand({})
    const signedWith = (accessKeyId: string) =>
      new SSMClient({
        endpoint: aws.endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId, secretAccessKey: 'x' },
      }).send(describe)
    const expired = {
      name: 'ExpiredTokenException',
      message: 'The security token included in the request is expired',
      $metadata: { httpStatusCode: 400 },
    }
    const first = await fromInstanceMetadata({ timeout: 1000, maxRetries: 0 })()
    t.ok(await signedWith(first.accessKeyId), 'accepted before its Expiration')
    offset = (first.expiration?.getTime() ?? 0) - Date.now() + 2000
    await t.rejects(signedWith(first.accessKeyId), expired, 'refused once the fake clock is past it')
    const second = await fromInstanceMetadata({ timeout: 1000, maxRetries: 0 })()
    t.not(second.accessKeyId, first.accessKeyId, 'IMDS hands out new keys')
    t.ok(await signedWith(second.accessKeyId), 'and SSM accepts them')
    aws.imds.expireCredentials()
    await t.rejects(
      signedWith(second.accessKeyId),
      expired,
      'expireCredentials ends the current keys at once',
    )
    t.ok(await signedWith('AKIDNOTFROMIMDS'), 'keys IMDS did not issue are never refused')
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
