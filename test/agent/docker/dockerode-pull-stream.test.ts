import t from 'tap'
import { DockerodeEngine } from '../../../agent/docker/dockerode-engine.ts'
import { type DeployToolError, ImageNotFoundError, PullFailedError } from '../../../shared/errors.ts'
import { type FakeDockerAnswer, startFakeDockerApi } from '../../support/fake-docker-api.ts'

// dockerd answers POST /images/create with 200 before it contacts the registry, so whatever goes wrong
// after that (a dropped connection mid-layer, a full disk, a corrupt layer) arrives as a JSON message in
// the stream, not as an HTTP error. These messages are in the shape dockerd 20.10 writes them.
const IMAGE = '127.0.0.1:5000/ecr-ssm-deploy/app:v1'
const PASSWORD = 'eyJwYXlsb2FkIjoiczNjcmV0LXBhc3MifQ'
const AUTH = { username: 'AWS', password: PASSWORD, serveraddress: '127.0.0.1:5000' }
const LAYER = 'f5b7ce95afea5d39690afc4c206ee1bf3e3e956dcc8d1ccd05c6613a39c4e4f8'

const started = [
  { status: 'Pulling from ecr-ssm-deploy/app', id: 'v1' },
  { status: 'Pulling fs layer', progressDetail: {}, id: LAYER.slice(0, 12) },
  {
    status: 'Downloading',
    progressDetail: { current: 1_048_576, total: 2_097_152 },
    progress: '[=========================>                         ]  1.049MB/2.097MB',
    id: LAYER.slice(0, 12),
  },
]

function failing(reason: string): FakeDockerAnswer {
  return { status: 200, messages: [...started, { errorDetail: { message: reason }, error: reason }] }
}

async function pullFrom(answer: FakeDockerAnswer) {
  const api = await startFakeDockerApi(t, () => answer)
  const engine = new DockerodeEngine({ socketPath: api.socketPath })
  const lines: string[] = []
  const outcome = await engine
    .pull(IMAGE, AUTH, (line) => lines.push(line))
    .then(
      () => null,
      (error: unknown) => error,
    )
  return { api, lines, error: outcome as DeployToolError | null }
}

t.test(
  'a pull that dockerd reports failed inside its stream is PullFailedError with the reason',
  async (t) => {
    const reason = `filesystem layer verification failed for digest sha256:${LAYER}`
    const { api, lines, error } = await pullFrom(failing(reason))
    t.type(error, PullFailedError)
    t.equal(error?.code, 'E_PULL_FAILED')
    t.equal(error?.message, `pulling ${IMAGE} failed: ${reason}`)
    t.strictSame(
      lines,
      [`layer ${LAYER.slice(0, 12)}: downloading 50% of 2.0 MB`],
      'progress before it is kept',
    )
    t.strictSame(
      api.requests.map((r) => [r.method, r.url]),
      [['POST', '/images/create?fromImage=127.0.0.1%3A5000%2Fecr-ssm-deploy%2Fapp&tag=v1']],
    )
    t.strictSame(api.requests[0]?.registryAuth, AUTH, 'the credentials travel in X-Registry-Auth')
  },
)

t.test('a reason that says the image is unknown is ImageNotFoundError', async (t) => {
  const reason = 'manifest for 127.0.0.1:5000/ecr-ssm-deploy/app:v1 not found: manifest unknown'
  const { error } = await pullFrom(failing(reason))
  t.type(error, ImageNotFoundError)
  t.equal(error?.code, 'E_IMAGE_NOT_FOUND')
  t.equal(error?.message, `image ${IMAGE} was not found in the registry: ${reason}`)
})

t.test('the registry password never appears, even when Docker repeats it in its reason', async (t) => {
  const reason = `Get "https://127.0.0.1:5000/v2/": unauthorized: password ${PASSWORD} was refused`
  const { error } = await pullFrom(failing(reason))
  t.type(error, PullFailedError)
  t.equal(
    error?.message,
    `pulling ${IMAGE} failed: Get "https://127.0.0.1:5000/v2/": unauthorized: password [redacted] was refused`,
  )
  t.notMatch(JSON.stringify({ message: error?.message, cause: String(error?.cause) }), PASSWORD)
})

t.test('either field of the error message is enough, and one without a reason still fails', async (t) => {
  const only = (message: object) => ({ status: 200, messages: [...started, message] })
  const detail = await pullFrom(
    only({ errorDetail: { message: 'write /var/lib/docker/tmp: no space left on device' } }),
  )
  t.equal(
    detail.error?.message,
    `pulling ${IMAGE} failed: write /var/lib/docker/tmp: no space left on device`,
  )
  const plain = await pullFrom(only({ error: 'unexpected EOF' }))
  t.equal(plain.error?.message, `pulling ${IMAGE} failed: unexpected EOF`)
  const bare = await pullFrom(only({ errorDetail: {}, error: 42 }))
  t.type(bare.error, PullFailedError)
  t.equal(bare.error?.message, `pulling ${IMAGE} failed: Docker reported a failure without a reason`)
})

t.test(
  'the failure is not a progress line: it travels only as the error, which every sink escapes',
  async (t) => {
    const forged = 'Status: Downloaded newer image\n{"result":"deployed","message":"forged"}\u001b[2J'
    const { lines, error } = await pullFrom(failing(forged))
    t.type(error, PullFailedError)
    t.notOk(lines.some((line) => line.includes('forged')))
  },
)

t.test('a stream that ends without an error message resolves', async (t) => {
  const done = [
    ...started,
    { status: `Digest: sha256:${'c'.repeat(64)}` },
    { status: `Status: Downloaded newer image for ${IMAGE}` },
  ]
  const { lines, error } = await pullFrom({ status: 200, messages: done })
  t.equal(error, null)
  t.equal(lines.at(-1), `Status: Downloaded newer image for ${IMAGE}`)
})
