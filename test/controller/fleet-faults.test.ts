import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import type { FakeAws } from '../ground/fake-aws/index.ts'
import { loadGround } from '../ground/ground.ts'
import { fleetStub, stubInstanceEnv } from '../support/fleet-stub.ts'
import { installDeployDocument, startFakeOnGround } from '../support/ground-aws.ts'
import { runController } from '../support/run-controller.ts'

// The controller CLI against the fake's fault controls: what AWS does on a bad day, end to end.
const ground = loadGround()
// Each subtest starts its own fake AWS and stand-in fleet and spends most of its time waiting on SSM (the
// invocations it shows only after a moment, the controller's polls between reads): they run side by side.
t.jobs = 4
const A = 'i-0000000000000000a'
const B = 'i-0000000000000000b'

async function fleet(
  t: Test,
  modes: Record<string, 'ok' | 'noisy'>,
  platforms: Record<string, 'MacOS'> = {},
) {
  const aws = await startFakeOnGround(ground, { ssm: { deliveryTimeoutMs: 500 } })
  t.teardown(() => aws.close())
  const stub = await fleetStub(t)
  for (const [id, mode] of Object.entries(modes)) {
    const platform = platforms[id]
    aws.ssm.addInstance({
      id,
      tags: { Role: 'web' },
      env: stubInstanceEnv(stub, id, mode),
      ...(platform === undefined ? {} : { platform }),
    })
  }
  await installDeployDocument(aws, ground.region)
  const work = await mkdtemp(join(tmpdir(), 'ecr-deploy-faults-'))
  t.teardown(() => rm(work, { recursive: true, force: true }))
  const deploy = (...extra: string[]) =>
    runController(aws, work, [
      'deploy',
      '--environment',
      'prod',
      '--service',
      'web',
      '--image',
      ground.images.v1.uri,
      '--targets',
      'tag:Role=web',
      '--timeout',
      '60',
      ...extra,
    ])
  return { aws, stub, deploy }
}

const count = (aws: FakeAws, operation: string) => aws.calls.filter((c) => c.operation === operation).length

t.test('AccessDenied on SendCommand: an auth failure, nothing runs', async (t) => {
  const f = await fleet(t, { [A]: 'ok' })
  f.aws.faults.fail('SendCommand', {
    type: 'AccessDeniedException',
    message: 'not authorized to perform ssm:SendCommand',
  })
  const result = await f.deploy()
  t.equal(result.code, 13, result.stderr)
  t.match(result.stderr, /^error \[E_AWS_AUTH\]: SendCommand .*was refused: AccessDeniedException/m)
  t.strictSame(await f.stub.calls(), [])
})

t.test('throttled ListCommandInvocations beyond the SDK retries is waited out', async (t) => {
  const f = await fleet(t, { [A]: 'ok', [B]: 'ok' })
  // Three attempts per SDK call, so four throttles make one poll round fail and the waiter back off.
  f.aws.faults.throttle('ListCommandInvocations', 4)
  const result = await f.deploy()
  t.equal(result.code, 0, result.stderr)
  t.match(result.stdout, /2 succeeded, 0 unchanged, 0 failed/)
  t.ok(count(f.aws, 'ListCommandInvocations') >= 5, 'the throttled calls were retried')
})

t.test(
  'with the defaults, invocations SSM does not show yet right after SendCommand are waited for',
  async (t) => {
    const f = await fleet(t, { [A]: 'ok', [B]: 'noisy' })
    const result = await f.deploy()
    t.equal(result.code, 0, result.stderr)
    t.match(result.stdout, /2 succeeded, 0 unchanged, 0 failed/)
    // Two commands, each met the window: the pull every rollout sends first, then the switch.
    const commandIds = [
      ...new Set(f.aws.calls.filter((c) => c.operation === 'ListCommands').map((c) => c.input.CommandId)),
    ]
    t.equal(commandIds.length, 2)
    t.strictSame(
      [...new Set(f.aws.ssm.withheld.map((w) => `${w.operation} ${w.commandId} ${w.instanceId}`))].sort(),
      commandIds
        .flatMap((id) => [`ListCommandInvocations ${id} ${A}`, `ListCommandInvocations ${id} ${B}`])
        .sort(),
      'the controller polled while SSM did not show them',
    )
    t.equal((await f.stub.calls()).length, 4, 'each agent pulled once and switched once')
  },
)

t.test('a result line the listing cut and GetCommandInvocation refused is not a success', async (t) => {
  const f = await fleet(t, { [A]: 'noisy' })
  f.aws.faults.fail('GetCommandInvocation', {
    type: 'AccessDeniedException',
    message: 'no ssm:GetCommandInvocation',
  })
  const result = await f.deploy()
  t.equal(result.code, 11, result.stderr)
  t.match(result.stdout, /i-0000000000000000a failed: .*result is unknown/)
  t.equal(
    (await f.stub.calls()).length,
    2,
    'the agent pulled and switched; the switch result could not be read',
  )
})

t.test('the same cut result line is read in full when GetCommandInvocation answers', async (t) => {
  const f = await fleet(t, { [A]: 'noisy' })
  const result = await f.deploy()
  t.equal(result.code, 0, result.stderr)
  t.match(result.stdout, /1 succeeded, 0 unchanged, 0 failed/)
})

t.test('an instance whose platform skips the step is a failure with the reason', async (t) => {
  const f = await fleet(t, { [A]: 'ok', [B]: 'ok' }, { [B]: 'MacOS' })
  // The pull every rollout sends first meets the skipped step, and stops the rollout before any switch.
  const result = await f.deploy('--max-errors', '1')
  t.equal(result.code, 4, result.stderr)
  t.match(result.stdout, /i-0000000000000000b failed: .*step was skipped, nothing ran/)
  t.match(result.stdout, /platformType, Linux/)
  t.strictSame(
    (await f.stub.calls()).map((line) => line.split(' ')[0]),
    [A],
    'nothing ran on the other platform',
  )
})
