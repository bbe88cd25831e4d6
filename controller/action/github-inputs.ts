import { UsageError } from '../../shared/errors.ts'
import type { ActionInputReader } from './inputs.ts'

/** The inputs of the GitHub deployment statuses; undefined when `github-deployment` is false. */
export interface GithubDeploymentInputs {
  readonly token: string
  readonly environmentUrl?: string
}

/**
 * `github-deployment` (true/false), `github-token` (action.yml defaults it to the job's token) and
 * `environment-url`, checked before any call. The token is checked for presence only: GitHub judges it.
 */
export function githubDeploymentInputs(read: ActionInputReader): GithubDeploymentInputs | undefined {
  const enabled = read.getInput('github-deployment').trim()
  const token = read.getInput('github-token')
  const url = read.getInput('environment-url').trim()
  if (!['true', 'false', ''].includes(enabled)) {
    throw new UsageError(`input github-deployment: "${enabled}" is not true or false`)
  }
  if (url !== '' && !/^https?:\/\/[^\s]{1,490}$/.test(url)) {
    throw new UsageError(`input environment-url: "${url.slice(0, 100)}" is not an http(s) URL`)
  }
  if (enabled !== 'true') return undefined
  if (token === '') {
    throw new UsageError(
      'input github-token: empty; github-deployment: true needs a token with deployments: write (the default, the job token, has it when the job grants it)',
    )
  }
  return { token, ...(url === '' ? {} : { environmentUrl: url }) }
}
