import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type IncomingMessage } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'

/** What the fake Docker API saw of one request. */
export interface FakeDockerRequest {
  readonly method: string
  readonly url: string
  /** The decoded X-Registry-Auth header, if any. */
  readonly registryAuth: unknown
}

/** How the fake answers a request: a status and the body's JSON messages, one a line. */
export interface FakeDockerAnswer {
  readonly status: number
  readonly messages: readonly object[]
}

export interface FakeDockerApi {
  readonly socketPath: string
  readonly requests: readonly FakeDockerRequest[]
}

/**
 * A fake Docker Engine API on a unix socket in a fresh temporary directory, answering every request
 * with recorded JSON, for the dockerode adapter's tests that need no dockerd. It is closed and its
 * directory removed when the test ends.
 */
export async function startFakeDockerApi(
  t: Test,
  answer: (request: FakeDockerRequest) => FakeDockerAnswer,
): Promise<FakeDockerApi> {
  const dir = await mkdtemp(join(tmpdir(), 'ecr-deploy-fake-docker-'))
  const socketPath = join(dir, 'docker.sock')
  const requests: FakeDockerRequest[] = []
  const server = createServer((req, res) => {
    const request = { method: req.method ?? '', url: req.url ?? '', registryAuth: registryAuthOf(req) }
    requests.push(request)
    req.resume()
    const { status, messages } = answer(request)
    res.writeHead(status, { 'content-type': 'application/json' })
    // Docker writes one message per line as the pull goes; each is its own chunk here too.
    for (const message of messages) res.write(`${JSON.stringify(message)}\r\n`)
    res.end()
  })
  await new Promise<void>((resolve) => server.listen(socketPath, resolve))
  t.teardown(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()))
    await rm(dir, { recursive: true, force: true })
  })
  return { socketPath, requests }
}

function registryAuthOf(req: IncomingMessage): unknown {
  const header = req.headers['x-registry-auth']
  if (typeof header !== 'string') return undefined
  return JSON.parse(Buffer.from(header, 'base64url').toString('utf8'))
}
