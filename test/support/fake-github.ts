import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Test } from 'tap'

/** One request the fake GitHub API received. */
export interface GithubCall {
  readonly method: string
  readonly path: string
  readonly authorization: string
  readonly apiVersion: string
  readonly body: Record<string, unknown>
}

export interface FakeGithub {
  /** What to set GITHUB_API_URL to. */
  readonly url: string
  readonly calls: GithubCall[]
  /** Answers the next requests whose path ends with `suffix` with this status and GitHub-style message. */
  refuse(suffix: string, status: number, message: string): void
}

async function bodyOf(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = ''
  for await (const chunk of req) text += String(chunk)
  return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>)
}

/**
 * GitHub's deployments endpoints on 127.0.0.1, recording each call: POST /repos/{owner}/{repo}/deployments
 * answers 201 with a new id, POST .../deployments/{id}/statuses 201; anything else 404, as GitHub does.
 */
export async function startFakeGithub(t: Test): Promise<FakeGithub> {
  const calls: GithubCall[] = []
  const refusals: { suffix: string; status: number; message: string }[] = []
  let next = 1000
  const server = createServer(async (req, res) => {
    const path = req.url ?? ''
    const body = await bodyOf(req)
    calls.push({
      method: req.method ?? '',
      path,
      authorization: req.headers.authorization ?? '',
      apiVersion: String(req.headers['x-github-api-version'] ?? ''),
      body,
    })
    const answer = (status: number, json: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' })
      res.end(JSON.stringify(json))
    }
    const refusal = refusals.find((r) => path.endsWith(r.suffix))
    if (refusal)
      return answer(refusal.status, {
        message: refusal.message,
        documentation_url: 'https://docs.github.com/rest',
      })
    if (req.method === 'POST' && /^\/repos\/[^/]+\/[^/]+\/deployments$/.test(path)) {
      next += 1
      return answer(201, { id: next, ref: body.ref, environment: body.environment })
    }
    if (req.method === 'POST' && /^\/repos\/[^/]+\/[^/]+\/deployments\/\d+\/statuses$/.test(path)) {
      return answer(201, { id: 1, state: body.state })
    }
    answer(404, { message: 'Not Found' })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    refuse: (suffix, status, message) => refusals.push({ suffix, status, message }),
  }
}
