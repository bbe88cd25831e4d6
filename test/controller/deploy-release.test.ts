import t from 'tap'
import { deployRelease } from '../../controller/deploy.ts'
import type { DeployOptions } from '../../controller/options.ts'
import { rollbackRelease } from '../../controller/rollback.ts'
import type { CommandRequest } from '../../controller/ssm/fleet-api.ts'
import { ReleaseInvalidError, UsageError } from '../../shared/errors.ts'
import { parseImageRef, withDigest } from '../../shared/image-ref.ts'
import { type DesiredRelease, releaseText } from '../../shared/release.ts'
import { type InstanceAnswer, releaseFleet, steppingClock } from '../support/release-fleet.ts'

const NAME = '/ecr-deploy/prod/web'
const REPO = '123456789012.dkr.ecr.us-east-1.amazonaws.com/web'
const digest = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`
const pinned = (n: number) => `${REPO}@${digest(n)}`
const CREATED = '2026-03-01T12:00:00.000Z'
const ORIGIN = { actor: 'octocat', runUrl: 'https://github.com/o/r/actions/runs/42', commit: 'abcdef1' }
const A = 'i-0000000000000000a'
const B = 'i-0000000000000000b'

function options(extra: Partial<DeployOptions> = {}): DeployOptions {
  return {
    environment: 'prod',
    service: 'web',
    image: parseImageRef(`${REPO}:v2`),
    targeting: { kind: 'targets', targets: [{ key: 'tag:Role', values: ['web'] }] },
    maxConcurrency: '1',
    maxErrors: '1',
    timeoutSeconds: 60,
    documentName: 'ecr-ssm-deploy',
    region: 'us-east-1',
    origin: ORIGIN,
    ...extra,
  }
}

function record(extra: Partial<DesiredRelease>): string {
  return releaseText({
    format: 1,
    environment: 'prod',
    service: 'web',
    image: pinned(2),
    spec: {},
    state: 'rolling',
    origin: { ...ORIGIN, createdAt: CREATED },
    ...extra,
  })
}

/** A fleet of A and B with the parameter already holding `versions`; each answers as `answers` says. */
function fleet(
  versions: readonly string[],
  answers: (request: CommandRequest, id: string) => InstanceAnswer,
) {
  const f = releaseFleet([A, B], answers)
  if (versions.length > 0) f.parameters.set(NAME, [...versions])
  const deps = {
    registry: { resolve: async (ref: ReturnType<typeof parseImageRef>) => withDigest(ref, digest(2)) },
    fleet: f.api,
    clock: steppingClock(),
  }
  return { ...f, deps }
}

const releaseOf = (request: CommandRequest | undefined) => request?.parameters.release?.[0]
/** The switch, not the pull every target runs before it (controller/prepull.ts). */
const isDeploy = (request: CommandRequest) => request.parameters.action?.[0] === 'deploy'
const actionOf = (request: CommandRequest) => request.parameters.action?.[0]

const STABLE_1 = record({ image: pinned(1), state: 'stable', spec: { env: { MODE: 'one' } } })

t.test(
  'a first release that succeeds is written rolling, sent by its version, then marked stable',
  async (t) => {
    const f = fleet([], () => 'deployed')
    const report = await deployRelease(f.deps, options())
    t.strictSame(f.parameters.get(NAME), [record({}), record({ state: 'stable' })])
    t.strictSame(
      f.sent.map((r) => r.parameters),
      [
        { action: ['pull'], service: ['web'], release: [`${NAME}:1`] },
        { action: ['deploy'], service: ['web'], release: [`${NAME}:1`] },
      ],
      'each command names version 1 exactly, and no bare image: first the pull, then the switch',
    )
    t.match(report, { parameterVersion: 1, state: 'stable', stateVersion: 2, environment: 'prod' })
    t.notOk('replaces' in report)
  },
)

t.test(
  'a failed rollout is marked aborted and the stable release goes back to the instances that took it',
  async (t) => {
    const f = fleet([STABLE_1], (request, id) =>
      isDeploy(request) && releaseOf(request) === `${NAME}:2` && id === B ? 'failed' : 'deployed',
    )
    const report = await deployRelease(f.deps, options())
    const replaces = { version: 1, image: pinned(1) }
    const spec = { env: { MODE: 'one' } }
    t.strictSame(f.parameters.get(NAME), [
      STABLE_1,
      record({ replaces, spec }),
      record({ replaces, spec, state: 'aborted' }),
    ])
    t.strictSame(
      f.sent.map((r) => [actionOf(r), releaseOf(r), r.instanceIds ?? 'targets']),
      [
        ['pull', `${NAME}:2`, 'targets'],
        ['deploy', `${NAME}:2`, 'targets'],
        ['deploy', `${NAME}:1`, [A]],
      ],
      'only A, which took version 2, is sent the stable version 1',
    )
    t.match(report, { state: 'aborted', stateVersion: 3, replaces: 1, rollback: { release: `${NAME}:1` } })
  },
)

t.test(
  'a first release that fails is aborted with nothing to return to, and the report says so',
  async (t) => {
    const f = fleet([], (request, id) => (isDeploy(request) && id === B ? 'failed' : 'deployed'))
    const report = await deployRelease(f.deps, options())
    t.strictSame(f.parameters.get(NAME), [record({}), record({ state: 'aborted' })])
    t.strictSame(f.sent.map(actionOf), ['pull', 'deploy'], 'no rollback was sent')
    t.equal(
      report.rollbackSkipped,
      'version 1 was the first release of prod/web: there is no stable release to return to',
    )
  },
)

t.test('instances still unfinished when the wait ends are sent the stable release too', async (t) => {
  const f = fleet([STABLE_1], (request, id) =>
    isDeploy(request) && releaseOf(request) === `${NAME}:2` && id === B ? 'unfinished' : 'deployed',
  )
  const report = await deployRelease(f.deps, options())
  t.equal(report.deploy.timedOut, true)
  t.equal(report.state, 'aborted')
  t.strictSame(f.sent[2]?.instanceIds, [A, B])
})

t.test('a send that fails leaves the release aborted, not rolling', async (t) => {
  const f = fleet([STABLE_1], () => 'deployed')
  const refused = new Error('AccessDenied')
  const deps = { ...f.deps, fleet: { ...f.api, sendCommand: () => Promise.reject(refused) } }
  await t.rejects(deployRelease(deps, options()), refused)
  const spec = { env: { MODE: 'one' } }
  const replaces = { version: 1, image: pinned(1) }
  t.strictSame(f.parameters.get(NAME)?.slice(1), [
    record({ replaces, spec }),
    record({ replaces, spec, state: 'aborted' }),
  ])
})

t.test('without --spec the stable spec is carried over; --spec replaces it', async (t) => {
  const carried = fleet([STABLE_1], () => 'deployed')
  await deployRelease(carried.deps, options())
  t.match(JSON.parse(carried.parameters.get(NAME)?.at(-1) ?? ''), { spec: { env: { MODE: 'one' } } })
  const replaced = fleet([STABLE_1], () => 'deployed')
  await deployRelease(replaced.deps, options({ spec: { env: { MODE: 'two' }, memory: '256m' } }))
  t.strictSame(JSON.parse(replaced.parameters.get(NAME)?.at(-1) ?? '').spec, {
    env: { MODE: 'two' },
    memory: '256m',
  })
})

t.test('a release over the 4 KB a parameter holds is refused with nothing written or sent', async (t) => {
  const f = fleet([STABLE_1], () => 'deployed')
  await t.rejects(deployRelease(f.deps, options({ spec: { env: { BIG: 'x'.repeat(4000) } } })), {
    name: ReleaseInvalidError.name,
    message:
      /^the release for prod\/web is \d+ bytes of JSON; a standard Parameter Store parameter holds 4096: shorten the spec/,
  })
  t.strictSame(f.parameters.get(NAME), [STABLE_1])
  t.equal(f.sent.length, 0)
})

t.test('a rollback writes the release the current stable replaced again, with restores', async (t) => {
  const stable3 = record({
    image: pinned(3),
    state: 'stable',
    replaces: { version: 1, image: pinned(1) },
  })
  const f = fleet(
    [STABLE_1, record({ image: pinned(3), replaces: { version: 1, image: pinned(1) } }), stable3],
    () => 'deployed',
  )
  const report = await rollbackRelease(f.deps, options())
  const back = {
    image: pinned(1),
    spec: { env: { MODE: 'one' } },
    replaces: { version: 3, image: pinned(3) },
    restores: 1,
  }
  t.strictSame(f.parameters.get(NAME)?.slice(3), [record(back), record({ ...back, state: 'stable' })])
  t.strictSame(releaseOf(f.sent[0]), `${NAME}:4`)
  t.match(report, { restores: 1, state: 'stable', stateVersion: 5 })
})

t.test('a rollback to a version Parameter Store has aged out is refused with nothing written', async (t) => {
  const f = fleet([], () => 'deployed')
  f.parameters.set(NAME, [])
  for (let n = 0; n < 105; n += 1) await f.api.putParameter(NAME, record({ state: 'stable' }))
  const before = f.parameters.get(NAME)?.length
  await t.rejects(
    rollbackRelease(f.deps, options(), '3'),
    new UsageError(
      '--to 3: version 3 is gone: Parameter Store keeps the last 100 versions of a parameter, and this one now holds 6 to 105; ' +
        'roll back to one of those, or deploy the image of version 3 by digest if ECR still has it',
    ),
  )
  t.equal(f.parameters.get(NAME)?.length, before)
  t.equal(f.sent.length, 0)
})

t.test('a rollback with no earlier stable release says there is nothing to roll back to', async (t) => {
  const f = fleet([STABLE_1], () => 'deployed')
  await t.rejects(
    rollbackRelease(f.deps, options()),
    new UsageError(
      `version 1 of ${NAME} is the first stable release: there is nothing earlier to roll back to`,
    ),
  )
  t.equal(f.sent.length, 0)
})

t.test('a parameter that holds no release record is named, not guessed at', async (t) => {
  const f = fleet([pinned(1)], () => 'deployed')
  await t.rejects(deployRelease(f.deps, options()), {
    name: ReleaseInvalidError.name,
    message: `${NAME}:1 is not a release record: is not JSON (a bare image is the layout before releases were records); ecr-deploy history lists its versions, and if it was written by hand, delete the parameter to start its history again`,
  })
  t.equal(f.sent.length, 0)
})
