import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm'
import t from 'tap'
import { loadGround } from '../ground/ground.ts'
import { installDeployDocument, startFakeOnGround } from '../support/ground-aws.ts'
import { runController } from '../support/run-controller.ts'

/*
 * An agent with many services prints a status JSON longer than the 2,500 characters ListCommandInvocations
 * lists. `status` must read the whole output (GetCommandInvocation), not the cut listing.
 */

const ground = loadGround()
const digest = (n: number) => `sha256:${String(n).repeat(64)}`

// The asked-for service comes last, where the listing cuts the JSON off.
const SCRIPT = `#!/bin/bash
printf '{"services":['
for i in $(seq 1 40); do
  printf '{"service":"other-%s","state":"running","healthy":true,"current":{"digest":"${digest(0)}"}},' "$i"
done
printf '{"service":"%s","state":"running","healthy":true,"current":{"digest":"%s"}}]}\\n' "$3" "$STUB_DIGEST"
`

t.test('status reads an agent status JSON longer than the listing keeps', async (t) => {
  const aws = await startFakeOnGround(ground)
  t.teardown(() => aws.close())
  const dir = await mkdtemp(join(tmpdir(), 'ecr-deploy-status-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  await writeFile(join(dir, 'ecr-deploy-agent'), SCRIPT)
  await chmod(join(dir, 'ecr-deploy-agent'), 0o755)
  const env = (running: string) => ({ PATH: `${dir}:${process.env.PATH ?? ''}`, STUB_DIGEST: running })
  aws.ssm.addInstance({ id: 'i-0000000000000000a', tags: { Role: 'web' }, env: env(digest(1)) })
  aws.ssm.addInstance({ id: 'i-0000000000000000b', tags: { Role: 'web' }, env: env(digest(2)) })
  await installDeployDocument(aws, ground.region)
  await new SSMClient({
    endpoint: aws.endpoint,
    region: ground.region,
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' },
  }).send(
    new PutParameterCommand({
      Name: '/ecr-deploy/web',
      Value: `${ground.registryHost}/app@${digest(1)}`,
      Type: 'String',
    }),
  )
  const home = await mkdtemp(join(tmpdir(), 'ecr-deploy-status-home-'))
  t.teardown(() => rm(home, { recursive: true, force: true }))

  const run = await runController(aws, home, [
    'status',
    '--service',
    'web',
    '--targets',
    'tag:Role=web',
    '--timeout',
    '60',
    '--region',
    ground.region,
  ])
  t.equal(run.code, 0, run.stderr)
  const fetched = aws.calls.filter((call) => call.operation === 'GetCommandInvocation')
  t.strictSame(
    fetched.map((call) => call.input.InstanceId).sort(),
    ['i-0000000000000000a', 'i-0000000000000000b'],
    'the full output of each instance was fetched',
  )
  t.match(run.stdout, `i-0000000000000000a  ${'1'.repeat(12)}  running  healthy\n`)
  t.match(run.stdout, `i-0000000000000000b  ${'2'.repeat(12)}  running  healthy  DRIFT`)
  t.match(run.stdout, /2 instance\(s\), 1 not on the desired release/)
  t.notMatch(run.stdout, /not JSON/)
})
