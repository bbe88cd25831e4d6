import type { DeploymentRequest, DeploymentStatus, DeploymentsApi } from './deployments.ts'

/** A GitHub API call that failed: its status (0 when nothing answered) and GitHub's own message. */
export class GithubApiFailure extends Error {
  readonly status: number

  constructor(status: number, message: string) {
    super(message)
    this.status = status
    this.name = 'GithubApiFailure'
  }
}

export interface RestTarget {
  /** GITHUB_API_URL, e.g. https://api.github.com or a GitHub Enterprise Server's /api/v3. */
  readonly apiUrl: string
  /** `owner/name`, from GITHUB_REPOSITORY. */
  readonly repository: string
  readonly token: string
}

/**
 * The deployments REST endpoints through Node's fetch: POST /repos/{owner}/{repo}/deployments and
 * .../deployments/{id}/statuses. The token goes only into the Authorization header; no message this
 * class makes holds it.
 */
export class RestDeployments implements DeploymentsApi {
  readonly #target: RestTarget
  readonly #fetch: typeof fetch

  constructor(target: RestTarget, fetchImpl: typeof fetch = fetch) {
    this.#target = target
    this.#fetch = fetchImpl
  }

  async create(deployment: DeploymentRequest): Promise<number> {
    const answer = await this.#post('deployments', {
      ref: deployment.ref,
      environment: deployment.environment,
      description: deployment.description,
      // Deploy exactly this commit: no merge of the default branch, no wait for commit statuses.
      auto_merge: false,
      required_contexts: [],
    })
    const id = (answer as { id?: unknown }).id
    if (typeof id !== 'number') throw new GithubApiFailure(0, 'GitHub answered without a deployment id')
    return id
  }

  async postStatus(id: number, status: DeploymentStatus): Promise<void> {
    await this.#post(`deployments/${id}/statuses`, {
      state: status.state,
      description: status.description,
      ...(status.logUrl === undefined ? {} : { log_url: status.logUrl }),
      ...(status.environmentUrl === undefined ? {} : { environment_url: status.environmentUrl }),
    })
  }

  async #post(path: string, body: Record<string, unknown>): Promise<unknown> {
    const url = `${this.#target.apiUrl.replace(/\/+$/, '')}/repos/${this.#target.repository}/${path}`
    let response: Response
    try {
      response = await this.#fetch(url, {
        method: 'POST',
        headers: {
          accept: 'application/vnd.github+json',
          authorization: `Bearer ${this.#target.token}`,
          'content-type': 'application/json',
          'x-github-api-version': '2022-11-28',
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      })
    } catch (error) {
      const cause =
        error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : ''
      throw new GithubApiFailure(0, `POST ${url} reached nothing: ${cause}`)
    }
    const text = await response.text()
    if (!response.ok) {
      let message = ''
      try {
        message = String((JSON.parse(text) as { message?: unknown }).message ?? '')
      } catch {
        // Not GitHub's JSON: the status says enough.
      }
      throw new GithubApiFailure(
        response.status,
        `POST ${url} answered ${response.status}${message ? `: ${message.slice(0, 200)}` : ''}`,
      )
    }
    try {
      return JSON.parse(text) as unknown
    } catch {
      return {}
    }
  }
}
