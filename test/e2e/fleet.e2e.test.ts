import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { codeSpan } from '../../controller/report/markdown-text.ts'
import { loadGround } from '../ground/ground.ts'
import { startFakeOnGround } from '../support/ground-aws.ts'
import { runController } from '../support/run-controller.ts'
import { served, startSimFleet } from '../support/sim-fleet.ts'

/*
 * The whole product: the controller CLI sends our SSM document through the fake SSM to three simulated
 * instances, each running a real agent daemon against the real dockerd and the ECR-shaped registry, with
 * credentials from the fake IMDS. Instance C cannot run v2 (its configuration starts the app only when the
 * image is v1, as an instance-specific incompatibility would), so v2 with max-concurrency 1 fails there,
 * its agent restores v1 by itself, the release is marked aborted and the stable v1 is sent back to A and B.
 */

const ground = loadGround()
const aws = await startFakeOnGround(ground)
const dir = await mkdtemp(join(tmpdir(), 'fleet-e2e-'))
const fleet = await startSimFleet(aws, ground, [
  { id: 'i-00000000000000a01', name: 'a' },
  { id: 'i-00000000000000b02', name: 'b' },
  {
    id: 'i-00000000000000c03',
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

const deploy = (tag: string, ...extra: string[]) =>
  runController(
    aws,
    dir,
    [
      'deploy',
      '--environment',
      'prod',
      '--service',
      'web',
      '--image',
      `${fleet.repository}:${tag}`,
      '--targets',
      'tag:Role=web',
      '--timeout',
      '300',
      ...extra,
    ],
    {
      GITHUB_ACTIONS: 'true',
      GITHUB_STEP_SUMMARY: join(dir, `summary-${tag}.md`),
      GITHUB_OUTPUT: join(dir, `output-${tag}.txt`),
    },
  )

t.test('v1 reaches every instance', async (t) => {
  const result = await deploy('v1')
  t.equal(result.code, 0, `${result.stdout}\n${result.stderr}`)
  t.match(result.stdout, /3 succeeded, 0 unchanged, 0 failed/)
  for (const instance of fleet.instances)
    t.equal(await served(instance.port), 'v1', `${instance.name} serves v1`)
  // The CI keys drive ECR and SSM; no agent used them (the agents' pulls are signed by the IMDS role).
  const controllerCalls = aws.calls.filter((c) => c.accessKeyId === 'AKIDCONTROLLER').map((c) => c.operation)
  t.ok(controllerCalls.includes('DescribeImages') && controllerCalls.includes('SendCommand'))
  t.notOk(controllerCalls.includes('GetAuthorizationToken'), 'the controller never logs in to the registry')
})

t.test('v2 one at a time fails on C: aborted, and the stable v1 goes back to the fleet', async (t) => {
  const result = await deploy('v2', '--max-concurrency', '1', '--max-errors', '1')
  t.equal(result.code, 10, `${result.stdout}\n${result.stderr}`)
  t.match(result.stdout, /i-00000000000000c03 failed: Failed: \[E_HEALTH_FAILED\]/)
  for (const instance of fleet.instances)
    t.equal(await served(instance.port), 'v1', `${instance.name} is back on v1`)
  const pinnedV1 = `${fleet.repository}@${ground.images.v1.digest}`
  t.match(
    JSON.parse(aws.ssm.parameter('/ecr-deploy/prod/web') ?? '{}'),
    { state: 'aborted', replaces: { version: 2, image: pinnedV1 } },
    'the release is aborted, and the stable v1 stands',
  )
  const summary = await readFile(join(dir, 'summary-v2.md'), 'utf8')
  t.match(summary, /\*\*2 succeeded, 0 unchanged, 1 failed\*\*/)
  t.match(summary, `### Rolled back to ${codeSpan(pinnedV1)}`)
  t.match(summary, /2 instance\(s\) back on the previous release, 0 failed/)
  t.match(await readFile(join(dir, 'output-v2.txt'), 'utf8'), /rolled-back<<(\S+)\ntrue\n\1/)
})
