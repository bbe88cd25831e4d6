/**
 * GitHub's deployments of one repository, in our words: what the environment's page in GitHub shows for
 * each release. The one implementation is rest-deployments.ts (the REST API through fetch); tests of its
 * users take a recording fake, and the implementation is tested against a local fake of the endpoints.
 */
export interface DeploymentsApi {
  /** Creates a deployment of `ref` (a commit) to `environment`; returns its id. */
  create(deployment: DeploymentRequest): Promise<number>
  /** Adds a status to a deployment; the newest is what GitHub shows. */
  postStatus(id: number, status: DeploymentStatus): Promise<void>
}

export interface DeploymentRequest {
  readonly ref: string
  readonly environment: string
  readonly description: string
}

export type DeploymentState = 'in_progress' | 'success' | 'failure'

export interface DeploymentStatus {
  readonly state: DeploymentState
  /** At most {@link DESCRIPTION_LIMIT} characters. */
  readonly description: string
  /** The workflow run. */
  readonly logUrl?: string
  /** The environment's own address, from the `environment-url` input. */
  readonly environmentUrl?: string
}

/** GitHub refuses a deployment status description longer than this. */
export const DESCRIPTION_LIMIT = 140

/** Text cut to GitHub's 140 characters (whole code points), with an ellipsis when it was longer. */
export function describedWithin(text: string): string {
  const points = [...text.replace(/\s+/g, ' ').trim()]
  return points.length <= DESCRIPTION_LIMIT
    ? points.join('')
    : `${points.slice(0, DESCRIPTION_LIMIT - 1).join('')}…`
}
