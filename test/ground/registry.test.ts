import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr'
import Docker from 'dockerode'
import t, { type Test } from 'tap'
import { parseImageRef } from '../../shared/image-ref.ts'
import { startFakeOnGround } from '../support/ground-aws.ts'
import { testKeys } from './fake-aws/test-clients.ts'
import { loadGround } from './ground.ts'
import { manifestDigest, registryStatus } from './registry.ts'
import { type PullAuth, pullImage } from './registry-pull.ts'

const ground = loadGround()
const docker = new Docker({ socketPath: ground.dockerSocket })
const access = {
  host: ground.registryHost,
  caCert: ground.caCertPath,
  user: ground.registryUser,
  password: ground.registryPassword,
}
const auth = { username: 'AWS', password: ground.registryPassword, serveraddress: ground.registryUrl }

t.test('every test image has a real ECR URI on the ground registry', async (t) => {
  for (const [name, image] of Object.entries(ground.images)) {
    const ref = parseImageRef(image.uri)
    t.equal(ref.registry, '123456789012.dkr.ecr.us-east-1.amazonaws.com', `${name} registry`)
    t.equal(ref.accountId, ground.accountId, `${name} account`)
    t.equal(ref.region, ground.region, `${name} region`)
    t.equal(image.uri, `${ground.registryHost}/${image.repository}:${image.tag}`, `${name} uri`)
    t.match(image.digest, /^sha256:[a-f0-9]{64}$/, `${name} digest`)
  }
  t.equal(ground.images.other.repository, 'ecr-ssm-deploy/other')
  t.equal(ground.images.v1.repository, 'ecr-ssm-deploy/app')
})

t.test('the recorded digests are the ones the registry serves', async (t) => {
  for (const [name, image] of Object.entries(ground.images)) {
    t.equal(await manifestDigest(access, image.repository, image.tag), image.digest, name)
  }
  t.equal(await manifestDigest(access, 'ecr-ssm-deploy/app', 'no-such-tag'), null, 'unknown tag')
})

/** Docker credentials the way an instance gets them: from ECR's GetAuthorizationToken. */
async function authFromFakeEcr(t: Test): Promise<PullAuth> {
  const aws = await startFakeOnGround(ground)
  t.teardown(() => aws.close())
  const ecr = new ECRClient({ endpoint: aws.endpoint, region: ground.region, credentials: testKeys() })
  const data = (await ecr.send(new GetAuthorizationTokenCommand({}))).authorizationData?.[0]
  const [username = '', password = ''] = Buffer.from(data?.authorizationToken ?? '', 'base64')
    .toString()
    .split(':')
  return { username, password, serveraddress: data?.proxyEndpoint ?? '' }
}

t.test('dockerd pulls with the fake ECR token, by tag and by digest', async (t) => {
  const ecrAuth = await authFromFakeEcr(t)
  t.equal(ecrAuth.username, 'AWS')
  t.equal(ecrAuth.serveraddress, ground.registryUrl)
  const image = ground.images.other
  await pullImage(docker, image.uri, ecrAuth)
  await pullImage(docker, `${ground.registryHost}/${image.repository}@${image.digest}`, ecrAuth)
  const inspected = await docker.getImage(image.uri).inspect()
  t.ok(
    inspected.RepoDigests.includes(`${ground.registryHost}/${image.repository}@${image.digest}`),
    'RepoDigests name the pushed digest',
  )
})

t.test('the registry refuses a pull without credentials or with a wrong password', async (t) => {
  const uri = ground.images.other.uri
  const anonymous = await registryStatus(
    { ...access, password: '' },
    '/v2/ecr-ssm-deploy/other/manifests/v1',
    'HEAD',
  )
  t.equal(anonymous.status, 401, 'the registry itself answers 401')
  // dockerd counts registries on 127.0.0.0/8 as insecure, so after the HTTPS 401 it retries over plain
  // HTTP and reports that last failure; either way the image does not come through.
  await t.rejects(pullImage(docker, uri), /no basic auth credentials|http:\/\/.*connection refused/)
  await t.rejects(
    pullImage(docker, uri, { ...auth, password: `${ground.registryPassword}x` }),
    /unauthorized: authentication required/,
  )
})

t.test('the down registry host resolves to an address where nothing listens', async (t) => {
  await t.rejects(
    pullImage(docker, `${ground.downRegistryHost}/ecr-ssm-deploy/app:v1`, auth),
    /connection refused|127\.0\.0\.2/,
  )
})
