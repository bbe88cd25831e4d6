import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import type { CommandState } from '../ground/fake-aws/ssm/command-state.ts'
import { loadGround } from '../ground/ground.ts'
import { eventually } from '../support/agent-process.ts'
import { startFakeOnGround } from '../support/ground-aws.ts'
import { runCli } from '../support/run-agent-cli.ts'
import { runController } from '../support/run-controller.ts'
import { type SimInstance, served, simAppId, startSimFleet } from '../support/sim-fleet.ts'

/*
 * The rollout against the desired-state job as users run it: five simulated instances, each a real agent
 * whose job reads Parameter Store every two seconds at its own offset. SSM alone must pace a release; the
 * job acts only on stable releases, on an instance that runs nothing, or after an abort.
 */

const ground = loadGround()
const aws = await startFakeOnGround(ground)
const dir = await mkdtemp(join(tmpdir(), 'rollout-e2e-'))
const names = ['a', 'b', 'c', 'd', 'e']
const fleet = await startSimFleet(
  aws,
  ground,
  names.map((name, i) => ({ id: `i-0000000000000${String(i + 1).padStart(4, '0')}`, name })),
)
t.teardown(async () => {
  await fleet.stop()
  await aws.close()
  await rm(dir, { recursive: true, force: true })
})
const PARAMETER = '/ecr-deploy/prod/web'
const digestOf = (image: 'v1' | 'v2' | 'unhealthy') => ground.images[image].digest
const instance = (name: string): SimInstance => {
  const found = fleet.instances.find((i) => i.name === name)
  if (found === undefined) throw new Error(`no instance ${name}`)
  return found
}

interface Report {
  readonly state: string
  readonly parameterVersion: number
  readonly stateVersion: number
  readonly deploy: { readonly outcomes: readonly { readonly instanceId: string; readonly result: string }[] }
}

async function deploy(image: 'v1' | 'v2' | 'unhealthy', ...extra: string[]) {
  const result = await runController(aws, dir, [
    'deploy',
    '--environment',
    'prod',
    '--service',
    'web',
    '--image',
    ground.images[image].uri,
    '--timeout',
    '300',
    '--json',
    ...(extra.includes('--instance-ids') ? [] : ['--targets', 'tag:Role=web']),
    ...extra,
  ])
  const report = JSON.parse(result.stdout || '{}') as Report
  return { ...result, report }
}

interface LedgerEntry {
  readonly digest: string
  readonly result: string
  readonly release?: string
}

/** Every release this instance's agent recorded for `web`, newest first. */
async function ledger(of: SimInstance): Promise<LedgerEntry[]> {
  const run = await runCli(['--socket', of.socket, 'history', '--service', 'web', '--json'])
  if (run.code !== 0) throw new Error(`history on ${of.name}: ${run.stderr}`)
  return (JSON.parse(run.stdout) as { releases: LedgerEntry[] }).releases
}

/** The desired-state job's logged actions on this instance that name `digest`. */
const jobActionsOn = (of: SimInstance, digest: string) =>
  of.agent
    .output()
    .split('\n')
    .filter((line) => line.includes('"job":"desired-state"') && line.includes(digest))

/** How many times this instance's desired-state job has read the newest release since `since`. */
const jobRuns = (of: SimInstance, since: number) =>
  aws.calls.filter(
    (c) =>
      c.appId === simAppId(of.name) &&
      c.operation === 'GetParameter' &&
      c.input.Name === PARAMETER &&
      c.at >= since,
  ).length

/** Waits until every given agent's desired-state job has run `times` more times since `since`. */
async function jobsRan(instances: readonly SimInstance[], since: number, times: number): Promise<void> {
  for (const of of instances) {
    await eventually(`${times} runs of ${of.name}'s desired-state job`, 30_000, async () =>
      jobRuns(of, since) >= times ? true : undefined,
    )
  }
}

/** The instances whose copy of `command` has started running: SSM dispatched the step to them. */
function dispatched(command: CommandState | undefined): Set<string> {
  const started = command?.invocations.filter((i) => i.plugins.some((p) => p.startedAt !== undefined))
  return new Set((started ?? []).map((i) => i.instanceId))
}

/** The newest deploy command sent since then (the pull every rollout sends first switches nothing). */
const newestCommand = (since: number): CommandState | undefined =>
  aws.ssm
    .commands()
    .find(
      (c) =>
        c.requestedAt >= since &&
        (c.request.Parameters as Record<string, string[]> | undefined)?.action?.[0] === 'deploy',
    )

t.before(async () => {
  const first = await deploy('v1')
  if (first.code !== 0) throw new Error(`v1 did not reach the fleet:\n${first.stdout}\n${first.stderr}`)
})

t.test('at --max-concurrency 1 no instance outside the current wave deploys the new release', async (t) => {
  const start = Date.now()
  const rollout = deploy('v2', '--max-concurrency', '1')
  let finished = false
  void rollout.finally(() => {
    finished = true
  })
  const samples: { onV2: string[]; dispatched: Set<string> }[] = []
  while (!finished) {
    // What each instance serves first, then what SSM had dispatched: an instance serving v2 at a sample
    // was dispatched to before the second read.
    const serving = await Promise.all(fleet.instances.map(async (i) => [i.id, await served(i.port)]))
    const sent = dispatched(newestCommand(start))
    samples.push({
      onV2: serving.filter(([, text]) => text === 'v2').map(([id]) => id ?? ''),
      dispatched: sent,
    })
  }
  const result = await rollout
  t.equal(result.code, 0, 'the deploy succeeds', { stdout: result.stdout, stderr: result.stderr })
  t.equal(result.report.state, 'stable')
  const outside = samples.filter((s) => s.onV2.some((id) => !s.dispatched.has(id)))
  t.strictSame(outside, [], 'at every sample, every instance on v2 had been dispatched to')
  t.ok(
    samples.some((s) => s.onV2.length > 0 && s.onV2.length < names.length),
    'some samples caught the rollout between waves',
  )
  // The rollout is stable now: the jobs see v2 stable, which each instance already runs.
  await jobsRan(fleet.instances, Date.now(), 2)
  t.strictSame(
    result.report.deploy.outcomes.map((o) => o.result),
    names.map(() => 'succeeded'),
    'the command deployed v2 on each instance: none had it already (that would be "unchanged")',
  )
  const selector = `${PARAMETER}:${result.report.parameterVersion}`
  for (const of of fleet.instances) {
    t.strictSame(jobActionsOn(of, digestOf('v2')), [], `${of.name}'s desired-state job never deployed v2`)
    const v2 = (await ledger(of)).filter((r) => r.digest === digestOf('v2'))
    t.strictSame(
      v2.map((r) => [r.release, r.result]),
      [[selector, 'deployed']],
      `${of.name} deployed v2 once, from the command's ${selector}`,
    )
    t.equal(await served(of.port), 'v2')
  }
})

t.test('a failing release stops after the first instance; the other four never run it', async (t) => {
  const start = Date.now()
  const result = await deploy('unhealthy', '--max-concurrency', '1')
  t.not(result.code, 0, 'the deploy fails')
  t.strictSame(
    [...dispatched(newestCommand(start))],
    [fleet.instances[0]?.id],
    'SSM dispatched it to one instance',
  )
  t.equal(result.report.state, 'aborted')
  const abortedAt = Date.now()
  // Each job has now seen the aborted release three times (and it names the stable v2 it replaces).
  await jobsRan(fleet.instances, abortedAt, 3)
  const [first, ...others] = fleet.instances
  t.ok(
    (await ledger(first as SimInstance)).some(
      (r) => r.digest === digestOf('unhealthy') && r.result === 'failed',
    ),
    'the first instance tried it and failed',
  )
  for (const of of others) {
    t.strictSame(
      (await ledger(of)).filter((r) => r.digest === digestOf('unhealthy')),
      [],
      `${of.name} never ran it`,
    )
  }
  for (const of of fleet.instances) t.equal(await served(of.port), 'v2', `${of.name} serves v2`)
})

t.test('an instance started mid-rollout gets the stable release, then the new one once stable', async (t) => {
  const held = instance('e')
  const start = Date.now()
  const rollout = deploy('v1', '--max-concurrency', '1')
  // Once every instance has pulled and the switch has begun (one at a time, e last), SSM cannot reach e
  // for now, so the command waits there: the release stays rolling meanwhile.
  await eventually('the switch to begin', 60_000, async () => (newestCommand(start) ? true : undefined))
  aws.ssm.setOnline(held.id, false)
  await eventually('the command to wait on e', 60_000, async () =>
    newestCommand(start)?.invocations.find((i) => i.instanceId === held.id)?.status === 'Delayed'
      ? true
      : undefined,
  )
  const stableV2 = JSON.parse(aws.ssm.parameter(PARAMETER) ?? '{}') as {
    state: string
    replaces: { version: number }
  }
  t.equal(stableV2.state, 'rolling')
  const fresh = await fleet.add({ id: 'i-00000000000000f06', name: 'f' })
  await eventually(
    'the fresh instance to serve the stable v2',
    30_000,
    async () => ((await served(fresh.port)) === 'v2' ? true : undefined),
    fresh.agent,
  )
  t.equal(JSON.parse(aws.ssm.parameter(PARAMETER) ?? '{}').state, 'rolling', 'while the release rolls')
  t.strictSame(
    (await ledger(fresh)).map((r) => [r.digest, r.release]),
    [[digestOf('v2'), `${PARAMETER}:${stableV2.replaces.version}`]],
    'the job deployed the stable release the rolling one replaces',
  )
  aws.ssm.setOnline(held.id, true)
  const result = await rollout
  t.equal(result.code, 0, 'the deploy succeeds', { stdout: result.stdout, stderr: result.stderr })
  t.notOk(
    (newestCommand(start)?.invocations ?? []).some((i) => i.instanceId === fresh.id),
    'the command never targeted it (it was not there when SSM resolved the targets)',
  )
  await eventually(
    'the fresh instance to converge to the new stable v1',
    30_000,
    async () => ((await served(fresh.port)) === 'v1' ? true : undefined),
    fresh.agent,
  )
  t.match(
    (await ledger(fresh))[0],
    { digest: digestOf('v1'), release: `${PARAMETER}:${result.report.stateVersion}`, result: 'deployed' },
    'from the stable version the controller wrote',
  )
})

t.test('an offline instance that comes back converges to the stable release', async (t) => {
  const away = instance('d')
  await fleet.takeOffline(away)
  // SSM would hold a command for d until its delivery timeout and the rollout would count it failed:
  // the deploy goes to the instances that are up.
  const up = fleet.instances.filter((i) => i !== away).map((i) => i.id)
  const start = Date.now()
  const result = await deploy('v2', '--instance-ids', ...up)
  t.equal(result.code, 0, 'the deploy succeeds', { stdout: result.stdout, stderr: result.stderr })
  t.equal(result.report.state, 'stable')
  t.equal(await served(away.port), 'v1', 'd still runs v1 (its container ran on without its agent)')
  await fleet.bringOnline(away)
  await eventually(
    'd to converge to the stable v2',
    30_000,
    async () => ((await served(away.port)) === 'v2' ? true : undefined),
    away.agent,
  )
  t.match(
    (await ledger(away))[0],
    { digest: digestOf('v2'), release: `${PARAMETER}:${result.report.stateVersion}`, result: 'deployed' },
    'its desired-state job deployed the stable version',
  )
  t.notOk(
    aws.ssm
      .commands()
      .some((c) => c.requestedAt >= start && c.invocations.some((i) => i.instanceId === away.id)),
    'no command was sent to d',
  )
})
