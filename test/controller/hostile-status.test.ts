import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { releaseOf } from '../../controller/status.ts'
import { loadGround } from '../ground/ground.ts'
import { fleetStub, stubInstanceEnv } from '../support/fleet-stub.ts'
import { installDeployDocument, startFakeOnGround } from '../support/ground-aws.ts'
import { runController } from '../support/run-controller.ts'
import { runnerCommands } from '../support/runner-commands.ts'

// `status` prints what each agent says about itself: an instance controls every field of it. Through the
// real path (the CLI against the fake SSM), none of it may act as a workflow command or a terminal control.
const ground = loadGround()

const answering = 'i-0000000000000000a'
const failing = 'i-0000000000000000b'

const HOSTILE_STATUS = JSON.stringify({
  services: [
    {
      service: 'web',
      state: 'running\n::error title=forged::not from the controller\n::stop-commands::x\x1b[2J',
      healthy: true,
      current: { digest: 'sha256:##[set-output name=digest;]\x1b]8;;https://evil.example\x07' },
    },
  ],
})
const HOSTILE_FAILURE = JSON.stringify({
  result: 'failed',
  digest: null,
  previousDigest: null,
  message: 'no status\n::add-mask::hunter2 ##[error]forged \u009b2J bell \x07',
  code: 'E_FORGED',
})

async function hostileStatus(t: Test, args: string[]) {
  const aws = await startFakeOnGround(ground)
  t.teardown(() => aws.close())
  const stub = await fleetStub(t)
  aws.ssm.addInstance({
    id: answering,
    tags: { Role: 'web' },
    env: stubInstanceEnv(stub, answering, 'hostile', '', { tail: '', result: HOSTILE_STATUS }),
  })
  aws.ssm.addInstance({
    id: failing,
    tags: { Role: 'web' },
    env: stubInstanceEnv(stub, failing, 'hostile', '', { tail: '::warning::tail', result: HOSTILE_FAILURE }),
  })
  await installDeployDocument(aws, ground.region)
  const home = await mkdtemp(join(tmpdir(), 'ecr-deploy-hostile-status-'))
  t.teardown(() => rm(home, { recursive: true, force: true }))
  const fleet = [
    '--service',
    'web',
    '--targets',
    'tag:Role=web',
    '--timeout',
    '60',
    '--region',
    ground.region,
  ]
  const run = await runController(aws, home, ['status', ...fleet, ...args], { GITHUB_ACTIONS: 'true' })
  t.equal(run.code, 10, `one instance did not answer: ${run.stderr}`)
  return run
}

/** Commands other than the stop/resume pairs that guard untrusted text. */
function actedOn(stdout: string) {
  return runnerCommands(stdout).filter((c) => c.name !== 'stop-commands' && c.name !== 'resume')
}

/** Every C0 control but the newline, DEL and every C1 control in the text, as code points. */
function controls(text: string): number[] {
  return [...text]
    .map((char) => char.codePointAt(0) ?? 0)
    .filter((code) => (code < 0x20 && code !== 0x0a) || (code >= 0x7f && code <= 0x9f))
}

t.test('status text: instance fields shown on their line, neutralised, with commands stopped', async (t) => {
  const run = await hostileStatus(t, [])
  t.strictSame(actedOn(run.stdout), [])
  t.strictSame(controls(run.stdout), [])
  const block = /^::stop-commands::([0-9a-f]{32})\n([\s\S]*)\n::\1::\n$/.exec(run.stdout)
  t.ok(block, 'all of stdout is one block with commands stopped')
  t.strictSame(block?.[2]?.split('\n'), [
    'service web: desired (none recorded)',
    `${answering}  invalid  running ::error title=forged::not from the controller ::stop-commands::x[2J  healthy`,
    `${failing}  -  unknown  -  DRIFT  Failed: [E_FORGED] no status ::add-mask::hunter2 ## [error]forged 2J bell `,
    '2 instance(s), 1 not on the desired release',
  ])
})

t.test('status --json: the same data, exact, nothing the runner or a terminal acts on', async (t) => {
  const run = await hostileStatus(t, ['--json'])
  t.strictSame(actedOn(run.stdout), [])
  t.strictSame(controls(run.stdout), [])
  const line = run.stdout.split('\n').find((l) => l.startsWith('{')) ?? ''
  const status = JSON.parse(line) as {
    instances: Array<{ instanceId: string; state: string; digest?: string }>
  }
  const parsed = JSON.parse(HOSTILE_STATUS) as {
    services: Array<{ state: string; current: { digest: string } }>
  }
  const shown = status.instances.find((i) => i.instanceId === answering)
  t.equal(shown?.state, parsed.services[0]?.state)
  t.equal(shown?.digest, parsed.services[0]?.current.digest)
})

t.test('status fields of the wrong type are not taken as what the agent runs', async (t) => {
  const output = JSON.stringify({
    services: [{ service: 'web', state: { toString: 1 }, healthy: 'yes', current: { digest: 7 } }],
  })
  const outcome = {
    instanceId: answering,
    result: 'succeeded',
    ssmStatus: 'Success',
    message: '',
    output,
  } as const
  t.strictSame(releaseOf(outcome, 'web', undefined), {
    instanceId: answering,
    state: 'unknown',
    healthy: null,
    drift: false,
  })
})
