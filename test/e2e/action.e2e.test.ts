import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { codeSpan } from '../../controller/report/markdown-text.ts'
import { loadGround } from '../ground/ground.ts'
import { startFakeOnGround } from '../support/ground-aws.ts'
import { type ActionRun, actionCheckout, CI_KEYS, runAction } from '../support/run-action.ts'
import { served, startSimFleet } from '../support/sim-fleet.ts'

/*
 * The committed bundle run as the runner runs it, against the fake AWS and three simulated instances
 * with real agents. Instance C cannot run v2 (see fleet.e2e.test.ts), so a v2 deploy one at a time with
 * fails there, is marked aborted, and the stable v1 is sent back to A and B.
 */
const ground = loadGround()
const aws = await startFakeOnGround(ground)
const dir = await mkdtemp(join(tmpdir(), 'action-e2e-'))
const checkout = await actionCheckout(dir)
const ids = ['i-00000000000000a01', 'i-00000000000000b02', 'i-00000000000000c03']
const fleet = await startSimFleet(aws, ground, [
  { id: ids[0] ?? '', name: 'a' },
  { id: ids[1] ?? '', name: 'b' },
  {
    id: ids[2] ?? '',
    name: 'c',
    serviceLines: [
      '    command: ["/bin/sh", "-c", "grep -q v1 /www/index.html || exit 4; exec /bin/sh /app/run.sh"]',
    ],
  },
])
t.teardown(async () => {
  await fleet.stop()
  await aws.close()
  await rm(dir, { recursive: true, force: true })
})

const deploy = (inputs: Record<string, string>) =>
  runAction(aws, checkout, dir, { environment: 'prod', service: 'web', timeout: '300', ...inputs })
const sentCommands = () =>
  aws.calls.filter((c) => c.operation === 'SendCommand' && c.accessKeyId === CI_KEYS.AWS_ACCESS_KEY_ID)
const noSecret = (t: Test, run: ActionRun) => {
  const seen = [run.stdout, run.stderr, run.summary, JSON.stringify(run.outputs)].join('\n')
  t.notOk(seen.includes(CI_KEYS.AWS_SECRET_ACCESS_KEY), 'the secret key is never shown')
}

t.test('v1 to every id of a newline-separated instance-ids list; five outputs and the summary', async (t) => {
  const before = sentCommands().length
  const run = await deploy({ image: `${fleet.repository}:v1`, 'instance-ids': ids.join('\n') })
  t.equal(run.code, 0, `${run.stdout}\n${run.stderr}`)
  t.strictSame(
    sentCommands()
      .slice(before)
      .map((c) => [(c.input.Parameters as Record<string, string[]>).action?.[0], c.input.InstanceIds]),
    [
      ['pull', ids],
      ['deploy', ids],
    ],
    'the pull, then the deploy, each one command to all three instances',
  )
  const commandId = run.outputs['command-id'] ?? ''
  t.strictSame(aws.ssm.command(commandId)?.request.InstanceIds, ids, 'command-id names that command')
  t.strictSame(run.outputs, {
    digest: ground.images.v1.digest,
    'release-version': '1',
    'command-id': commandId,
    succeeded: '3',
    failed: '0',
    'rolled-back': 'false',
  })
  t.match(run.summary, /^## Deploy web\n/)
  t.match(run.summary, '**3 succeeded, 0 unchanged, 0 failed**')
  for (const id of ids) t.match(run.summary, `| ${codeSpan(id, true)} | succeeded |`)
  for (const instance of fleet.instances)
    t.equal(await served(instance.port), 'v1', `${instance.name} serves v1`)
  noSecret(t, run)
})

t.test(
  'v2 fails on C: the release is aborted and v1 sent back to the fleet, outputs say so, the step fails',
  async (t) => {
    const run = await deploy({
      image: `${fleet.repository}:v2`,
      targets: 'tag:Role=web',
      'max-concurrency': '1',
      'max-errors': '1',
    })
    t.equal(run.code, 1, 'the toolkit fails the step with exit code 1')
    t.match(run.stdout, /^::error::error \[E_PARTIAL_FAILURE\]: the deploy failed on 1 of 3 instance\(s\)/m)
    t.match(
      run.stdout,
      /^::error title=web on i-00000000000000c03::/m,
      'an annotation for the failed instance',
    )
    t.strictSame(run.outputs, {
      digest: ground.images.v2.digest,
      'release-version': '3',
      'command-id': run.outputs['command-id'],
      succeeded: '2',
      failed: '1',
      'rolled-back': 'true',
    })
    t.match(run.outputs['command-id'], /^[0-9a-f-]{36}$/)
    t.match(run.summary, '**2 succeeded, 0 unchanged, 1 failed**')
    t.match(run.summary, `### Rolled back to ${codeSpan(`${fleet.repository}@${ground.images.v1.digest}`)}`)
    for (const instance of fleet.instances)
      t.equal(await served(instance.port), 'v1', `${instance.name} is back on v1`)
    noSecret(t, run)
  },
)

t.test('a bad instance id fails the step by name before any AWS call', async (t) => {
  // The agents' desired-state jobs call AWS all along, with the instance role: count every other call.
  const ciCalls = () => aws.calls.filter((c) => !aws.imds.issuedKeys.includes(c.accessKeyId ?? '')).length
  const before = ciCalls()
  const run = await deploy({ image: `${fleet.repository}:v1`, 'instance-ids': `${ids[0]}\ni-nothex` })
  t.equal(run.code, 1)
  t.match(run.stdout, '::error::error [E_USAGE]: --instance-ids: "i-nothex" is not an instance id')
  t.equal(ciCalls(), before, 'no request reached AWS')
  t.strictSame(run.outputs, {})
  t.equal(run.summary, '')
})
