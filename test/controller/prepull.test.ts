import t from 'tap'
import { deployRelease } from '../../controller/deploy.ts'
import type { DeployOptions } from '../../controller/options.ts'
import { parseDeployFlags } from '../../controller/options.ts'
import { jobSummary } from '../../controller/report/github.ts'
import { summaryText } from '../../controller/report/text.ts'
import { verdictOf } from '../../controller/report/verdict.ts'
import { rollbackRelease } from '../../controller/rollback.ts'
import type { CommandRequest } from '../../controller/ssm/fleet-api.ts'
import { LockLostError, PullFailedError, TotalFailureError } from '../../shared/errors.ts'
import { parseImageRef, withDigest } from '../../shared/image-ref.ts'
import { releaseText } from '../../shared/release.ts'
import { type InstanceAnswer, releaseFleet, steppingClock } from '../support/release-fleet.ts'

/*
 * Before the first wave every target pulls the release (action=pull, the whole target set at once); a
 * failed pull stops the rollout before any instance switches.
 */

const NAME = '/ecr-deploy/prod/web'
const REPO = '123456789012.dkr.ecr.us-east-1.amazonaws.com/web'
const digest = (n: number) => `sha256:${String(n).repeat(64)}`
const A = 'i-0000000000000000a'
const B = 'i-0000000000000000b'
const C = 'i-0000000000000000c'
const ORIGIN = { actor: 'octocat' }
const STABLE_1 = releaseText({
  format: 1,
  environment: 'prod',
  service: 'web',
  image: `${REPO}@${digest(1)}`,
  spec: {},
  state: 'stable',
  origin: { ...ORIGIN, createdAt: '2026-03-01T12:00:00.000Z' },
})

function options(extra: Partial<DeployOptions> = {}): DeployOptions {
  return {
    environment: 'prod',
    service: 'web',
    image: parseImageRef(`${REPO}:v2`),
    targeting: { kind: 'targets', targets: [{ key: 'tag:Role', values: ['web'] }] },
    maxConcurrency: '1',
    maxErrors: '0',
    timeoutSeconds: 60,
    documentName: 'ecr-ssm-deploy',
    region: 'us-east-1',
    origin: ORIGIN,
    ...extra,
  }
}

function fleet(answers: (request: CommandRequest, id: string) => InstanceAnswer) {
  const f = releaseFleet([A, B, C], answers)
  f.parameters.set(NAME, [STABLE_1])
  const deps = {
    registry: { resolve: async (ref: ReturnType<typeof parseImageRef>) => withDigest(ref, digest(2)) },
    fleet: f.api,
    clock: steppingClock(),
  }
  return { ...f, deps }
}

const actionOf = (request: CommandRequest) => request.parameters.action?.[0]
const isPull = (request: CommandRequest) => actionOf(request) === 'pull'
const states = (f: ReturnType<typeof fleet>) =>
  (f.parameters.get(NAME) ?? []).map((text) => JSON.parse(text).state)

t.test('the pull goes first, to the whole target set at once, naming the release version', async (t) => {
  const f = fleet(() => 'deployed')
  const report = await deployRelease(f.deps, options())
  const [pull, deploy, ...rest] = f.sent
  t.strictSame(rest, [])
  t.strictSame(pull, {
    documentName: 'ecr-ssm-deploy',
    parameters: { action: ['pull'], service: ['web'], release: [`${NAME}:2`] },
    maxConcurrency: '100%',
    maxErrors: '100%',
    timeoutSeconds: 60,
    targets: [{ key: 'tag:Role', values: ['web'] }],
  })
  t.match(deploy, { parameters: { action: ['deploy'], release: [`${NAME}:2`] }, maxConcurrency: '1' })
  t.strictSame(states(f), ['stable', 'rolling', 'stable'])
  t.match(report, { state: 'stable', prepull: { release: `${NAME}:2`, commandIds: ['c0'] } })
  t.equal(report.prepull?.outcomes.length, 3)
  t.equal(verdictOf(report), undefined)
  t.match(summaryText(report), /^pull web: \/ecr-deploy\/prod\/web:2 = .*\n {2}command c0: 3 succeeded/)
})

t.test('a failed pull aborts the release, sends no deploy, and names the instances and why', async (t) => {
  const f = fleet((request, id) => (isPull(request) && id !== A ? 'failed' : 'deployed'))
  const report = await deployRelease(f.deps, options())
  t.strictSame(f.sent.map(actionOf), ['pull'], 'no deploy and no rollback was sent')
  t.strictSame(states(f), ['stable', 'rolling', 'aborted'], 'the stable release stands')
  t.match(report, {
    state: 'aborted',
    stateVersion: 3,
    replaces: 1,
    pullFailure: `the pull before the first wave failed on ${B}, ${C}`,
    rollbackSkipped: 'no instance had switched: the rollout stopped after the pull, before the first wave',
    deploy: { commandIds: [], outcomes: [] },
  })
  t.notOk(report.rollback)
  const text = summaryText(report)
  for (const id of [B, C])
    t.match(
      text,
      `  ${id} failed: Failed: [E_PULL_FAILED] no space left on device while pulling on ${id}`,
      `the report names ${id} and its own message`,
    )
  t.match(text, `no instance switched: the pull before the first wave failed on ${B}, ${C}`)
  t.match(text, 'release prod/web version 2 is aborted (version 3): stable release version 1 stands')
  t.notMatch(text, /^deploy web/m, 'no deploy phase is shown')
  const verdict = verdictOf(report)
  t.type(verdict, PullFailedError)
  t.equal(
    verdict?.message,
    "2 of 3 instance(s) could not pull the release's image, so the rollout stopped before any instance switched and the release is aborted; the report names each instance and why",
  )
  t.match(jobSummary(report), `No instance switched: the pull before the first wave failed on ${B}, ${C}.`)
  t.match(jobSummary(report), /\| ` i-0000000000000000b ` \| failed \|/)
})

t.test(
  'a deploy lock lost while the fleet pulled: a failed pull marks nothing, and nothing is sent',
  async (t) => {
    const f = fleet((request, id) => (isPull(request) && id !== A ? 'failed' : 'deployed'))
    const lost = new LockLostError('lost the deploy lock /ecr-deploy-lock/prod/web: taken over by "bob"')
    const assertLockHeld = () => {
      if (f.sent.length > 0) throw lost
    }
    const failure = await deployRelease({ ...f.deps, assertLockHeld }, options()).catch((e: unknown) => e)
    t.equal(failure, lost)
    t.strictSame(f.sent.map(actionOf), ['pull'])
    t.strictSame(states(f), ['stable', 'rolling'], "not marked aborted: the parameter is the new holder's")
  },
)

t.test('a pull not finished when the wait ends stops the rollout too', async (t) => {
  const f = fleet((request, id) => (isPull(request) && id === C ? 'unfinished' : 'deployed'))
  const report = await deployRelease(f.deps, options())
  t.strictSame(f.sent.map(actionOf), ['pull'])
  t.equal(report.pullFailure, `the pull before the first wave not finished when the wait ended on ${C}`)
  t.type(verdictOf(report), PullFailedError)
})

t.test('a pull that reached no instance is a total failure, as a deploy that reached nobody', async (t) => {
  const f = releaseFleet([], () => 'deployed')
  f.parameters.set(NAME, [STABLE_1])
  const deps = { registry: fleet(() => 'deployed').deps.registry, fleet: f.api, clock: steppingClock() }
  const report = await deployRelease(deps, options())
  t.strictSame(f.sent.map(actionOf), ['pull'])
  t.equal(report.pullFailure, 'the pull before the first wave reached no instance')
  t.type(verdictOf(report), TotalFailureError)
  t.equal(verdictOf(report)?.message, 'no instance matched the targets of command c0')
})

t.test('--no-prepull sends no pull: each wave pulls as it switches', async (t) => {
  const f = fleet(() => 'deployed')
  const report = await deployRelease(f.deps, options({ prepull: false }))
  t.strictSame(f.sent.map(actionOf), ['deploy'])
  t.notOk('prepull' in report)
  const flags = {
    service: 'web',
    image: `${REPO}:v2`,
    environment: 'prod',
    targets: 'tag:Role=web',
    maxConcurrency: '1',
    maxErrors: '0',
    timeout: '60',
  }
  const env = { AWS_REGION: 'us-east-1' }
  t.equal(parseDeployFlags({ ...flags, prepull: false }, env, ORIGIN).prepull, false)
  t.notOk('prepull' in parseDeployFlags({ ...flags, prepull: true }, env, ORIGIN), 'on by default')
})

t.test('a rollback pulls first too', async (t) => {
  const f = fleet(() => 'deployed')
  f.parameters.set(NAME, [
    STABLE_1,
    releaseText({
      ...JSON.parse(STABLE_1),
      image: `${REPO}@${digest(2)}`,
      replaces: { version: 1, image: `${REPO}@${digest(1)}` },
    }),
  ])
  await rollbackRelease(f.deps, options())
  t.strictSame(f.sent.map(actionOf), ['pull', 'deploy'])
  t.equal(f.sent[0]?.parameters.release?.[0], f.sent[1]?.parameters.release?.[0])
})
