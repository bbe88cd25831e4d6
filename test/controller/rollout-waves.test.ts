import t from 'tap'
import type { AlarmApi, AlarmState } from '../../controller/cloudwatch/alarms.ts'
import { deployRelease } from '../../controller/deploy.ts'
import type { DeployOptions } from '../../controller/options.ts'
import { summaryText } from '../../controller/report/text.ts'
import { verdictOf } from '../../controller/report/verdict.ts'
import { rollbackRelease } from '../../controller/rollback.ts'
import type { CommandRequest } from '../../controller/ssm/fleet-api.ts'
import { parseRolloutFlags, type RolloutFlags } from '../../controller/waves.ts'
import { LockLostError, RolloutAbortedError, UsageError } from '../../shared/errors.ts'
import { parseImageRef, withDigest } from '../../shared/image-ref.ts'
import { type DesiredRelease, parseRelease, releaseText } from '../../shared/release.ts'
import { type InstanceAnswer, releaseFleet, steppingClock } from '../support/release-fleet.ts'

const NAME = '/ecr-deploy/prod/web'
const REPO = '123456789012.dkr.ecr.us-east-1.amazonaws.com/web'
const digest = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`
const FLEET = [
  'i-0000000000000000e',
  'i-0000000000000000a',
  'i-0000000000000000d',
  'i-0000000000000000b',
  'i-0000000000000000c',
]
const [A, B, C, D, E] = [...FLEET].sort() as [string, string, string, string, string]
const STABLE_1_RECORD: DesiredRelease = {
  format: 1,
  environment: 'prod',
  service: 'web',
  image: `${REPO}@${digest(1)}`,
  spec: {},
  state: 'stable',
  origin: { actor: 'octocat', createdAt: '2026-03-01T11:00:00.000Z' },
}
const STABLE_1 = releaseText(STABLE_1_RECORD)

function options(flags: RolloutFlags, extra: Partial<DeployOptions> = {}): DeployOptions {
  return {
    environment: 'prod',
    service: 'web',
    image: parseImageRef(`${REPO}:v2`),
    targeting: { kind: 'targets', targets: [{ key: 'tag:Role', values: ['web'] }] },
    maxConcurrency: '25%',
    maxErrors: '0',
    timeoutSeconds: 60,
    documentName: 'ecr-ssm-deploy',
    region: 'us-east-1',
    origin: { actor: 'octocat' },
    rollout: parseRolloutFlags(flags),
    ...extra,
  }
}

/** A CloudWatch port whose one alarm is in the state `state()` says, reading by reading. */
function alarmApi(state: () => AlarmState | undefined): AlarmApi & { readings: number } {
  const api = {
    readings: 0,
    alarmStates: async (names: readonly string[]) => {
      api.readings += 1
      const now = state()
      return new Map(now === undefined ? [] : names.map((n) => [n, now] as const))
    },
  }
  return api
}

/** The pull every target runs before the first wave (controller/prepull.ts); here every pull succeeds. */
const isPull = (request: CommandRequest) => request.parameters.action?.[0] === 'pull'

function setup(
  answer: (request: CommandRequest, id: string) => InstanceAnswer,
  more: { alarms?: AlarmApi; triggeredAlarms?: (request: CommandRequest) => readonly string[] } = {},
) {
  const { triggeredAlarms } = more
  const f = releaseFleet(
    FLEET,
    (request, id) => (isPull(request) ? 'deployed' : answer(request, id)),
    triggeredAlarms
      ? { triggeredAlarms: (request) => (isPull(request) ? [] : triggeredAlarms(request)) }
      : {},
  )
  f.parameters.set(NAME, [STABLE_1])
  const clock = steppingClock()
  const deps = {
    registry: { resolve: async (ref: ReturnType<typeof parseImageRef>) => withDigest(ref, digest(2)) },
    fleet: f.api,
    clock,
    ...(more.alarms ? { alarms: more.alarms } : {}),
  }
  const states = () =>
    (f.parameters.get(NAME) ?? []).map((text) => {
      const parsed = parseRelease(text)
      return parsed.ok ? parsed.release.state : 'unreadable'
    })
  // The switch waves and rollbacks; the pull before them is asserted apart.
  const sends = () =>
    f.sent
      .filter((r) => !isPull(r))
      .map((r) => [r.parameters.release?.[0], r.instanceIds ?? 'targets', r.alarm ?? null])
  return { ...f, deps, clock, states, sends }
}

t.test(
  'a clean run sends every wave to explicit ids in order, bakes between them and marks stable',
  async (t) => {
    const alarms = alarmApi(() => 'OK')
    const s = setup(() => 'deployed', { alarms })
    const start = s.clock.now()
    const report = await deployRelease(
      s.deps,
      options({ waves: '1,40%,100%', bake: '120', alarm: 'web-5xx' }),
    )
    t.strictSame(
      s.api.callsOf('instancesMatching').map((c) => c.args),
      [[[{ key: 'tag:Role', values: ['web'] }]]],
    )
    t.match(
      s.sent[0],
      { parameters: { action: ['pull'], release: [`${NAME}:2`] }, targets: [{ key: 'tag:Role' }] },
      'first the pull, to the whole target set, without the alarm',
    )
    t.notOk(s.sent[0]?.alarm)
    t.strictSame(s.sends(), [
      [`${NAME}:2`, [A], 'web-5xx'],
      [`${NAME}:2`, [B], 'web-5xx'],
      [`${NAME}:2`, [C, D, E], 'web-5xx'],
    ])
    t.strictSame(s.states(), ['stable', 'rolling', 'stable'])
    t.equal(report.state, 'stable')
    t.equal(report.waves?.length, 3)
    t.equal(report.deploy.outcomes.length, 5, 'the deploy phase holds every wave')
    t.ok(s.clock.now() - start >= 240_000, 'two bakes of 120 s were waited on the clock')
    t.ok(alarms.readings >= 2 * (120 / 10) + 1, 'the alarm was read through each bake')
    t.equal(verdictOf(report), undefined)
  },
)

t.test(
  'an alarm firing during the bake rolls the canary back; the rest never receive the release',
  async (t) => {
    let canaryDone = false
    const alarms = alarmApi(() => (canaryDone ? 'ALARM' : 'OK'))
    const s = setup(
      () => {
        canaryDone = true
        return 'deployed'
      },
      { alarms },
    )
    const report = await deployRelease(s.deps, options({ canary: '1', bake: '120', alarm: 'web-5xx' }))
    t.strictSame(
      s.sends(),
      [
        [`${NAME}:2`, [A], 'web-5xx'],
        [`${NAME}:1`, [A], null],
      ],
      'the canary only, then the stable version 1 to it, without the firing alarm on the rollback',
    )
    t.strictSame(s.states(), ['stable', 'rolling', 'aborted'])
    t.match(report, { state: 'aborted', abort: { cause: 'alarm' }, waves: [{}], plannedWaves: 2 })
    t.match(report.abort?.message, /alarm web-5xx is in ALARM after wave 1 of 2/)
    const verdict = verdictOf(report)
    t.type(verdict, RolloutAbortedError)
    t.match(verdict?.message, /alarm web-5xx.*sent back to 1 instance/)
    t.equal((verdict as RolloutAbortedError).exitCode, 15)
    const text = summaryText(report)
    t.match(text, /^deploy web wave 1 of 2: \/ecr-deploy\/prod\/web:2 = /m)
    t.match(text, /^wave 2 was not sent$/m)
    t.match(text, /^aborted: alarm web-5xx is in ALARM after wave 1 of 2$/m)
    t.match(text, /^rollback web: \/ecr-deploy\/prod\/web:1 = /m)
  },
)

t.test(
  "SSM's own guard: TriggeredAlarms on a wave's command aborts; instances cancelled before they started are not rolled back",
  async (t) => {
    const alarms = alarmApi(() => 'OK')
    const s = setup(
      (request, id) =>
        request.instanceIds?.length === 1 || id === B
          ? 'deployed'
          : id === C
            ? 'cancelled-running'
            : 'cancelled',
      { alarms, triggeredAlarms: (request) => (request.instanceIds?.length === 4 ? ['web-5xx'] : []) },
    )
    const report = await deployRelease(s.deps, options({ canary: '1', alarm: 'web-5xx' }))
    t.strictSame(
      s.sends().at(-1),
      [`${NAME}:1`, [A, B, C], null],
      'the canary, B which ran it, and C which SSM cancelled while it ran; not D and E, never started',
    )
    t.match(report.abort, { cause: 'alarm', message: /alarm web-5xx went into ALARM during wave 2 of 2/ })
    t.strictSame(s.states(), ['stable', 'rolling', 'aborted'])
  },
)

t.test(
  'a deploy lock lost during a wave stops the rollout before the next: nothing more is sent, nothing sent back',
  async (t) => {
    const s = setup(() => 'deployed')
    const lost = new LockLostError('lost the deploy lock /ecr-deploy-lock/prod/web: taken over by "bob"')
    let checks = 0
    const assertLockHeld = () => {
      checks += 1
      // Lost while the canary ran: found at the check before wave 2.
      if (s.sends().length > 0) throw lost
    }
    const failure = await deployRelease({ ...s.deps, assertLockHeld }, options({ waves: '1,100%' })).catch(
      (e: unknown) => e,
    )
    t.equal(failure, lost)
    t.equal(checks, 2, 'checked before each wave')
    t.strictSame(s.sends(), [[`${NAME}:2`, [A], null]], 'the canary only: the other run owns the fleet now')
    t.strictSame(s.states(), ['stable', 'rolling'], 'nor is the release marked: the parameter is theirs')
  },
)

t.test('a deploy lock lost during the last wave leaves the release unmarked', async (t) => {
  const s = setup(() => 'deployed')
  let checks = 0
  const assertLockHeld = () => {
    checks += 1
    if (s.sends().length === 2) throw new LockLostError('lost the deploy lock')
  }
  await t.rejects(deployRelease({ ...s.deps, assertLockHeld }, options({ waves: '1,100%' })), LockLostError)
  t.equal(checks, 3, 'before each wave, and before the mark')
  t.equal(s.sends().length, 2)
  t.strictSame(s.states(), ['stable', 'rolling'], 'not marked stable under another run')
})

t.test('a failing canary stops the rollout before the rest is sent', async (t) => {
  const s = setup((request) => (request.instanceIds?.length === 1 ? 'failed' : 'deployed'))
  const report = await deployRelease(s.deps, options({ waves: '1,100%' }))
  t.strictSame(s.sends(), [[`${NAME}:2`, [A], null]], 'no rollback: the failed canary restored itself')
  t.strictSame(s.states(), ['stable', 'rolling', 'aborted'])
  t.match(report, {
    abort: { cause: 'failures', message: /wave 1 of 2: 1 instance\(s\) failed.*i-0000000000000000a/ },
  })
  t.equal(report.rollbackSkipped, 'no instance had taken the new release')
  t.type(verdictOf(report), RolloutAbortedError)
})

t.test('failures within --max-errors go on; beyond it the waves so far are rolled back', async (t) => {
  const s = setup((request, id) => (request.instanceIds?.length === 3 && id !== C ? 'failed' : 'deployed'))
  const report = await deployRelease(s.deps, options({ waves: '1,2,100%' }, { maxErrors: '1' }))
  t.strictSame(
    s.sends().map((x) => x.slice(0, 2)),
    [
      [`${NAME}:2`, [A]],
      [`${NAME}:2`, [B]],
      [`${NAME}:2`, [C, D, E]],
      [`${NAME}:1`, [A, B, C]],
    ],
  )
  t.match(report.abort, {
    cause: 'failures',
    message: /wave 3 of 3: 2 instance\(s\) failed \(--max-errors allows 1/,
  })
})

t.test('a wave that times out aborts and rolls back what it may have reached', async (t) => {
  const s = setup((request, id) =>
    request.instanceIds?.length === 4 && id === E ? 'unfinished' : 'deployed',
  )
  const report = await deployRelease(s.deps, options({ canary: '1' }))
  t.equal(report.abort?.cause, 'timeout')
  t.strictSame(s.sends().at(-1)?.slice(0, 2), [`${NAME}:1`, [A, B, C, D, E]])
})

t.test('an alarm that is missing or already firing is refused before anything is written', async (t) => {
  for (const [state, message] of [
    [undefined, /no alarm named "web-5xx"/],
    ['ALARM', /"web-5xx" is in ALARM now/],
  ] as const) {
    const s = setup(() => 'deployed', { alarms: alarmApi(() => state) })
    await t.rejects(deployRelease(s.deps, options({ canary: '1', alarm: 'web-5xx' })), {
      constructor: UsageError,
      message,
    })
    t.strictSame(s.states(), ['stable'], 'nothing written')
    t.equal(s.sent.length, 0, 'nothing sent')
  }
})

t.test('a rollback rolls out in waves too, baked and guarded the same way', async (t) => {
  const alarms = alarmApi(() => 'OK')
  const s = setup(() => 'deployed', { alarms })
  const stable2 = releaseText({
    ...STABLE_1_RECORD,
    image: `${REPO}@${digest(2)}`,
    replaces: { version: 1, image: `${REPO}@${digest(1)}` },
  })
  s.parameters.set(NAME, [STABLE_1, stable2])
  const report = await rollbackRelease(s.deps, options({ canary: '1', bake: '60', alarm: 'web-5xx' }))
  t.strictSame(s.sends(), [
    [`${NAME}:3`, [A], 'web-5xx'],
    [`${NAME}:3`, [B, C, D, E], 'web-5xx'],
  ])
  t.strictSame(s.states(), ['stable', 'stable', 'rolling', 'stable'])
  t.match(report, { state: 'stable', restores: 1, waves: [{}, {}] })
  t.ok(alarms.readings > 0, 'the alarm was read between the waves')
})

t.test('the rollback command takes the rollout flags', async (t) => {
  const { buildProgram } = await import('../../controller/program.ts')
  const rollback = buildProgram(() => {}).commands.find((c) => c.name() === 'rollback')
  const names = rollback?.options.map((o) => o.long)
  for (const flag of ['--canary', '--waves', '--bake', '--alarm', '--no-prepull'])
    t.ok(names?.includes(flag), flag)
})

t.test('explicit instance ids are planned as given, without asking SSM', async (t) => {
  const s = setup(() => 'deployed')
  await deployRelease(
    s.deps,
    options({ canary: '1' }, { targeting: { kind: 'instances', instanceIds: [C, A] } }),
  )
  t.equal(s.api.callsOf('instancesMatching').length, 0)
  t.strictSame(
    s.sends().map((x) => x[1]),
    [[A], [C]],
  )
})
