import * as core from '@actions/core'
import { withGithubDeployment } from '../github/deployment-status.ts'
import { RestDeployments } from '../github/rest-deployments.ts'
import type { DeployOptions } from '../options.ts'
import type { DeployReport } from '../report/fleet-report.ts'
import type { GithubDeploymentInputs } from './github-inputs.ts'

const REPOSITORY = /^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/
const COMMIT = /^[0-9a-f]{40,64}$/

/**
 * The deploy with GitHub deployment statuses around it, from the runner's variables: GITHUB_API_URL,
 * GITHUB_REPOSITORY and GITHUB_SHA (the commit deployed). Without them (a run outside Actions) the
 * statuses are skipped with a warning; the deploy runs either way.
 */
export function githubDeployment(
  inputs: GithubDeploymentInputs,
  options: DeployOptions,
  env: NodeJS.ProcessEnv,
  deploy: () => Promise<DeployReport>,
): Promise<DeployReport> {
  const {
    GITHUB_API_URL: apiUrl = 'https://api.github.com',
    GITHUB_REPOSITORY: repository,
    GITHUB_SHA: ref,
  } = env
  if (!repository || !REPOSITORY.test(repository) || !ref || !COMMIT.test(ref)) {
    core.warning(
      'github-deployment: GITHUB_REPOSITORY or GITHUB_SHA is not what a GitHub runner sets; no deployment status is posted',
    )
    return deploy()
  }
  const api = new RestDeployments({ apiUrl, repository, token: inputs.token })
  return withGithubDeployment(
    api,
    (text) => core.warning(text),
    {
      environment: options.environment,
      service: options.service,
      ref,
      ...(options.origin.runUrl === undefined ? {} : { logUrl: options.origin.runUrl }),
      ...(inputs.environmentUrl === undefined ? {} : { environmentUrl: inputs.environmentUrl }),
    },
    deploy,
  )
}
