import { onInterrupt } from '../interrupt.ts'
import { countsOf, type DeployReport } from '../report/fleet-report.ts'
import { verdictOf } from '../report/verdict.ts'
import { type DeploymentStatus, type DeploymentsApi, describedWithin } from './deployments.ts'
import { GithubApiFailure } from './rest-deployments.ts'

/** What the environment's page in GitHub is told about one deploy. */
export interface GithubDeploymentRequest {
  /** The GitHub environment: the release's environment. */
  readonly environment: string
  readonly service: string
  /** The commit deployed: GITHUB_SHA. */
  readonly ref: string
  readonly logUrl?: string
  readonly environmentUrl?: string
}

/** The final status's words, from the report: within GitHub's 140 characters. */
export function finalStatus(report: DeployReport): Pick<DeploymentStatus, 'state' | 'description'> {
  const counts = countsOf(report.deploy)
  const name = `${report.environment}/${report.service} release ${report.parameterVersion}`
  if (verdictOf(report) === undefined) {
    const on = counts.succeeded + counts.unchanged
    return {
      state: 'success',
      description: describedWithin(`${name} is stable on ${on} instance(s): ${report.digest}`),
    }
  }
  const back =
    report.rollback === undefined
      ? ''
      : `; stable release ${report.replaces ?? ''} sent back to ${report.rollback.outcomes.length} instance(s)`
  const failed = report.deploy.timedOut
    ? 'timed out'
    : `failed on ${counts.failed} of ${report.deploy.outcomes.length} instance(s)`
  return { state: 'failure', description: describedWithin(`${name} ${failed}, aborted${back}`) }
}

/**
 * Runs the deploy with a GitHub deployment around it: created for the commit and the environment, then
 * `in_progress`, then `success` or `failure`. GitHub refusing or not answering (a token without
 * `deployments: write`, 401/403/404, the network) is a warning and never changes the deploy's outcome;
 * a deployment that could not be created gets no statuses.
 */
export async function withGithubDeployment(
  api: DeploymentsApi,
  warn: (text: string) => void,
  request: GithubDeploymentRequest,
  work: () => Promise<DeployReport>,
): Promise<DeployReport> {
  const links = {
    ...(request.logUrl === undefined ? {} : { logUrl: request.logUrl }),
    ...(request.environmentUrl === undefined ? {} : { environmentUrl: request.environmentUrl }),
  }
  const tell = async <T>(what: string, call: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await call()
    } catch (error) {
      warn(`${what}: ${failureText(error)}; the deploy goes on without it`)
      return undefined
    }
  }
  const id = await tell('no GitHub deployment was created', () =>
    api.create({
      ref: request.ref,
      environment: request.environment,
      description: describedWithin(`ecr-deploy ${request.environment}/${request.service}`),
    }),
  )
  const post = async (status: Pick<DeploymentStatus, 'state' | 'description'>) => {
    if (id === undefined) return
    await tell(`the GitHub deployment ${id} was not marked ${status.state}`, () =>
      api.postStatus(id, { ...status, ...links }),
    )
  }
  await post({
    state: 'in_progress',
    description: describedWithin(`rolling out ${request.environment}/${request.service}`),
  })
  // A cancelled run (SIGINT/SIGTERM) is not left in_progress on the environment's page.
  const unregister = onInterrupt(() =>
    post({
      state: 'failure',
      description: describedWithin(
        `${request.environment}/${request.service}: the run was cancelled while rolling out; the release stays rolling`,
      ),
    }),
  )
  let report: DeployReport
  try {
    report = await work()
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error)
    await post({
      state: 'failure',
      description: describedWithin(`${request.environment}/${request.service}: ${why}`),
    })
    throw error
  } finally {
    unregister()
  }
  await post(finalStatus(report))
  return report
}

function failureText(error: unknown): string {
  if (!(error instanceof GithubApiFailure)) return error instanceof Error ? error.message : String(error)
  const hint = [401, 403, 404].includes(error.status)
    ? ' (the token needs `permissions: deployments: write` in the job, and github-token must be for this repository)'
    : ''
  return `${error.message}${hint}`
}
