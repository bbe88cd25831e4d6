import type { DesiredRelease } from '../shared/release.ts'

/** Who and what makes a release, without the time: the use case stamps that when it writes. */
export type ReleaseOrigin = Omit<DesiredRelease['origin'], 'createdAt'>

const COMMIT = /^[0-9a-f]{7,64}$/
const RUN_ID = /^[0-9]{1,20}$/
const REPOSITORY = /^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/

/**
 * Read from GitHub Actions' own variables when the run has them (GITHUB_ACTOR, the run's URL from
 * GITHUB_SERVER_URL, GITHUB_REPOSITORY and GITHUB_RUN_ID, GITHUB_SHA), else the local user name. A value
 * that is not what GitHub sets is left out rather than recorded: the record is read by every agent.
 */
export function releaseOrigin(env: NodeJS.ProcessEnv, localUser: string): ReleaseOrigin {
  const actor = (env.GITHUB_ACTOR || localUser || 'unknown').slice(0, 100)
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repository, GITHUB_RUN_ID: runId } = env
  let runUrl: string | undefined
  if (server && repository && runId && REPOSITORY.test(repository) && RUN_ID.test(runId)) {
    try {
      const url = new URL(`${server.replace(/\/+$/, '')}/${repository}/actions/runs/${runId}`)
      if (url.protocol === 'https:' && url.href.length <= 500) runUrl = url.href
    } catch {
      // Not a URL: the record goes without it.
    }
  }
  const commit = env.GITHUB_SHA && COMMIT.test(env.GITHUB_SHA) ? env.GITHUB_SHA : undefined
  return {
    actor,
    ...(runUrl === undefined ? {} : { runUrl }),
    ...(commit === undefined ? {} : { commit }),
  }
}
