import t from 'tap'
import { releaseDeploy } from '../../../agent/deploy/release-request.ts'
import { parseConfig } from '../../../shared/agent-config/parse.ts'
import type { DesiredRelease } from '../../../shared/release.ts'
import { FakeReleases } from '../../support/fake-releases.ts'

/* A release an SSM command names is read, and must be for this instance's environment and the service asked. */

const FILE = '/etc/ecr-deploy/agent.yaml'
const REPO = '123456789012.dkr.ecr.us-east-1.amazonaws.com/web'
const IMAGE = `${REPO}@sha256:${'a'.repeat(64)}`
const config = (environment?: string) =>
  parseConfig(
    `${environment === undefined ? '' : `environment: ${environment}\n`}services:\n  web: { repository: ${REPO} }\n  api: { repository: ${REPO} }\n`,
    FILE,
    'host',
  )
const record = (environment: string, service: string): DesiredRelease => ({
  format: 1,
  environment,
  service,
  image: IMAGE,
  spec: { env: { MODE: 'x' } },
  state: 'rolling',
  origin: { actor: 'octocat', createdAt: '2026-12-01T12:00:00.000Z' },
})

t.test('a release for this environment and service: its image and spec', async (t) => {
  const releases = new FakeReleases()
  const selector = releases.put('prod', 'web', record('prod', 'web'))
  t.strictSame(await releaseDeploy(releases, config('prod'), 'web', selector), {
    image: IMAGE,
    release: { selector: '/ecr-deploy/prod/web:1', spec: { env: { MODE: 'x' } } },
  })
})

t.test('another environment, another service, or a file without an environment', async (t) => {
  const releases = new FakeReleases()
  const staging = releases.put('staging', 'web', record('staging', 'web'))
  await t.rejects(releaseDeploy(releases, config('prod'), 'web', staging), {
    code: 'E_RELEASE_INVALID',
    message: `release /ecr-deploy/staging/web:1 is for environment "staging", but ${FILE} says this instance is in "prod"; nothing was changed`,
  })
  const copied = releases.put('prod', 'web', record('prod', 'api'))
  await t.rejects(releaseDeploy(releases, config('prod'), 'web', copied), {
    code: 'E_RELEASE_INVALID',
    message:
      'release /ecr-deploy/prod/web:1 holds a release of service "api" in environment "prod"; a release lives only in its own parameter; nothing was changed',
  })
  await t.rejects(releaseDeploy(releases, config('prod'), 'api', copied), {
    code: 'E_RELEASE_INVALID',
    message: 'release /ecr-deploy/prod/web:1 is for service "web", not "api"; nothing was changed',
  })
  const before = releases.reads.length
  await t.rejects(releaseDeploy(releases, config(), 'web', copied), {
    code: 'E_RELEASE_INVALID',
    message: `release /ecr-deploy/prod/web:1: ${FILE} names no environment; add \`environment: prod\` to it (and reload the agent) before deploying releases`,
  })
  t.equal(releases.reads.length, before, 'nothing read without an environment')
  await t.rejects(releaseDeploy(releases, config('prod'), 'db', copied), { code: 'E_UNKNOWN_SERVICE' })
})
