import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import type { FakeAws } from '../ground/fake-aws/index.ts'
import { loadGround } from '../ground/ground.ts'
import { fleetStub, stubInstanceEnv } from '../support/fleet-stub.ts'
import { installDeployDocument, startFakeOnGround } from '../support/ground-aws.ts'
import { runController } from '../support/run-controller.ts'
import { runnerCommands } from '../support/runner-commands.ts'

// A compromised or buggy instance controls its output and its agent's result message. Through the real
// reporting path (the CLI against the fake SSM) none of it may act as a workflow command, markup or a
// terminal control sequence.
const ground = loadGround()
// Each subtest starts its own fake AWS and stand-in fleet and spends most of its time waiting on SSM (the
// invocations it shows only after a moment, the controller's polls between reads): they run side by side.
t.jobs = 4

const HOSTILE_TAIL = [
  '::stop-commands::x',
  '::add-mask::hunter2',
  '  ::error title=forged::not from the controller',
  'note ##[set-output name=digest;]sha256:evil',
  'carriage\r::warning::after a lone CR',
  'colour \x1b[31mred\x1b[0m, clear \x1b[2J, C1 \u009b2J, bell \x07',
  'link \x1b]8;;https://evil.example\x07click\x1b]8;;\x07',
  '<img src=x onerror=alert(1)> [click](https://evil.example) ![i](https://evil.example/i.png)',
  '``` </details> <!-- the rest is hidden',
].join('\n')

const HOSTILE_MESSAGE = '::add-mask::deployed ##[error]forged <b>bold</b> | [x](https://evil.example) <!--'

const instance = 'i-0000000000000000b'

async function hostileRun(t: Test, args: string[], env: Record<string, string> = {}) {
  const aws: FakeAws = await startFakeOnGround(ground, { ssm: { deliveryTimeoutMs: 500 } })
  t.teardown(() => aws.close())
  const stub = await fleetStub(t)
  const result = JSON.stringify({
    result: 'failed',
    digest: null,
    previousDigest: null,
    message: HOSTILE_MESSAGE,
    code: 'E_HEALTH_FAILED',
  })
  aws.ssm.addInstance({
    id: instance,
    tags: { Role: 'web' },
    env: stubInstanceEnv(stub, instance, 'hostile', '', { tail: HOSTILE_TAIL, result }),
  })
  await installDeployDocument(aws, ground.region)
  const work = await mkdtemp(join(tmpdir(), 'ecr-deploy-hostile-'))
  t.teardown(() => rm(work, { recursive: true, force: true }))
  const deploy = [
    'deploy',
    '--environment',
    'prod',
    '--service',
    'web',
    '--image',
    ground.images.v1.uri,
    '--targets',
    'tag:Role=web',
  ]
  const run = await runController(aws, work, [...deploy, '--timeout', '60', ...args], {
    GITHUB_ACTIONS: 'true',
    GITHUB_STEP_SUMMARY: join(work, 'summary.md'),
    GITHUB_OUTPUT: join(work, 'output.txt'),
    ...env,
  })
  t.equal(run.code, 11, run.stderr)
  return { ...run, summary: await readFile(join(work, 'summary.md'), 'utf8') }
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

t.test('terminal output: the runner acts on the controller’s annotation only', async (t) => {
  const run = await hostileRun(t, [])
  t.strictSame(actedOn(run.stdout), [
    {
      name: 'error',
      data: 'Failed: [E_HEALTH_FAILED] ::add-mask::deployed ## [error]forged <b>bold</b> | [x](https://evil.example) <!--',
    },
  ])
  t.strictSame(controls(run.stdout), [], 'no control characters reach the terminal')
  const unguarded = run.stdout.replace(/^::stop-commands::([0-9a-f]{32})\n[\s\S]*?\n::\1::$/gm, '')
  const annotation = /^::error title=web on i-0000000000000000b::.*\n/m
  t.match(unguarded, annotation, 'annotations are outside')
  t.notMatch(
    unguarded.replace(annotation, ''),
    /forged|hunter2|evil/,
    'instance text is printed only with commands stopped',
  )
  t.match(run.stdout, /^ {4}\| : :stop-commands::x$/m, 'tail lines are shown, neutralised')
  t.match(run.stdout, /^ {4}\| note ## \[set-output name=digest;\]sha256:evil$/m)
  t.match(run.stdout, /^ {4}\| colour \[31mred\[0m, clear \[2J, C1 2J, bell $/m)
})

t.test('--json output: the same data, nothing the runner acts on', async (t) => {
  const run = await hostileRun(t, ['--json'])
  t.strictSame(
    actedOn(run.stdout).map((c) => c.name),
    ['error'],
  )
  t.strictSame(controls(run.stdout), [])
  const json = run.stdout.split('\n').find((line) => line.startsWith('{')) ?? ''
  const report = JSON.parse(json) as { deploy: { outcomes: Array<{ message: string; outputTail: string }> } }
  t.equal(
    report.deploy.outcomes[0]?.message,
    `[E_HEALTH_FAILED] ${HOSTILE_MESSAGE}`,
    'JSON keeps the data exact',
  )
  t.match(report.deploy.outcomes[0]?.outputTail, HOSTILE_TAIL)
})

t.test('job summary: no markup from the instance', async (t) => {
  const run = await hostileRun(t, [])
  // Outside code spans and fenced blocks, only the summary's own tags remain.
  const outsideCode = run.summary.replace(/^(`{3,})text\n[\s\S]*?\n\1$/gm, '').replace(/(`+) [^`]*? \1/g, '')
  t.strictSame(outsideCode.match(/<[^>]*>?/g) ?? [], ['<details>', '<summary>', '</summary>', '</details>'])
  t.notMatch(outsideCode, /\]\(|<!--/)
  t.strictSame(controls(run.summary), [])
  t.match(
    run.summary,
    '<img src=x onerror=alert(1)> [click](https://evil.example)',
    'shown as text, in a block',
  )
})
