import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { CreateDocumentCommand, SSMClient } from '@aws-sdk/client-ssm'
import { deployRelease } from '../../controller/deploy.ts'
import { parseDeployFlags } from '../../controller/options.ts'
import { DEPLOY_DOCUMENT_NAME, deployDocumentContent } from '../../controller/ssm/document.ts'
import { SdkFleetApi } from '../../controller/ssm/sdk-fleet-api.ts'
import { withDigest } from '../../shared/image-ref.ts'
import { startFakeAws } from '../ground/fake-aws/index.ts'
import { testKeys } from '../ground/fake-aws/test-clients.ts'

/*
 * The controller against a fleet of 500 simulated instances in the fake SSM. Each instance runs our real
 * document with a stand-in agent that answers at once, so what is measured is the controller: SSM API
 * calls per deploy, poll rounds, ListCommandInvocations pages per round per 50 instances, and the wall time
 * between the last instance finishing and the controller knowing it (target: one poll interval at most).
 */
const FLEET = Number(process.env.BENCH_FLEET ?? 500)
const DIGEST = `sha256:${'c'.repeat(64)}`

const dir = await mkdtemp(join(tmpdir(), 'controller-bench-'))
const agent = join(dir, 'ecr-deploy-agent')
await writeFile(
  agent,
  `#!/bin/sh\necho '{"result":"deployed","service":"web","image":"x","digest":"${DIGEST}","previousDigest":null,"durationMs":1,"message":"ok"}'\n`,
)
await chmod(agent, 0o755)
const aws = await startFakeAws()
try {
  for (let i = 0; i < FLEET; i += 1) {
    aws.ssm.addInstance({
      id: `i-${i.toString(16).padStart(17, '0')}`,
      tags: { Role: 'web' },
      env: { PATH: `${dir}:/usr/bin:/bin`, NODE_OPTIONS: '' },
    })
  }
  const client = new SSMClient({ endpoint: aws.endpoint, region: 'us-east-1', credentials: testKeys() })
  await client.send(
    new CreateDocumentCommand({
      Name: DEPLOY_DOCUMENT_NAME,
      Content: deployDocumentContent(),
      DocumentType: 'Command',
      DocumentFormat: 'JSON',
    }),
  )
  const options = parseDeployFlags(
    {
      service: 'web',
      image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/web:v1',
      targets: 'tag:Role=web',
      maxConcurrency: '50',
      maxErrors: '0',
      timeout: '900',
    },
    { AWS_REGION: 'us-east-1' },
  )
  const before = aws.calls.length
  let lastOutcomeAt = 0
  const started = Date.now()
  const report = await deployRelease(
    {
      registry: { resolve: async (ref) => withDigest(ref, DIGEST) },
      fleet: new SdkFleetApi(client),
      clock: { now: Date.now, sleep: (ms) => sleep(ms), random: Math.random },
      onOutcome: () => {
        lastOutcomeAt = Date.now()
      },
    },
    options,
  )
  const finished = Date.now()
  const command = aws.ssm.command(report.deploy.commandIds[0] ?? '')
  const lastInstanceDone = Math.max(
    ...(command?.invocations ?? []).flatMap((inv) => inv.plugins.map((plugin) => plugin.endedAt ?? 0)),
  )
  const calls = aws.calls.slice(before)
  const count = (operation: string) => calls.filter((c) => c.operation === operation).length
  const rounds = count('ListCommands')
  const pages = count('ListCommandInvocations')
  const pagesPerRoundPer50 = pages / rounds / Math.ceil(FLEET / 50)
  const ok = report.deploy.outcomes.filter((o) => o.result !== 'failed').length
  process.stdout.write(
    [
      `fleet: ${FLEET} instances, ${ok} succeeded, MaxConcurrency 50`,
      `SSM calls per deploy: ${calls.length} (${['GetParameter', 'PutParameter', 'SendCommand', 'ListCommands', 'ListCommandInvocations', 'GetCommandInvocation'].map((op) => `${op} ${count(op)}`).join(', ')})`,
      `poll rounds: ${rounds}; ListCommandInvocations pages per round per 50 instances: ${pagesPerRoundPer50.toFixed(2)} (target <= 1)`,
      `wall time: ${finished - started} ms; slowest instance finished ${lastInstanceDone ? lastInstanceDone - started : 'n/a'} ms after start`,
      `controller overhead beyond the slowest instance: ${lastInstanceDone ? finished - lastInstanceDone : 'n/a'} ms (target <= one poll interval, 5000 ms at most)`,
      `last per-instance line printed ${lastOutcomeAt - started} ms after start`,
      '',
    ].join('\n'),
  )
} finally {
  await aws.close()
  await rm(dir, { recursive: true, force: true })
}
