import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { CreateDocumentCommand, SSMClient } from '@aws-sdk/client-ssm'
import { deployRelease } from '../../controller/deploy.ts'
import { parseDeployFlags } from '../../controller/options.ts'
import { DEPLOY_DOCUMENT_NAME, deployDocumentContent } from '../../controller/ssm/document.ts'
import type { FleetApi } from '../../controller/ssm/fleet-api.ts'
import { SdkFleetApi } from '../../controller/ssm/sdk-fleet-api.ts'
import { withDigest } from '../../shared/image-ref.ts'
import { startFakeAws } from '../ground/fake-aws/index.ts'
import { testKeys } from '../ground/fake-aws/test-clients.ts'
import { median } from './agent/figures.ts'
import { type DeployShape, deployTranscript } from './controller/transcript.ts'

/*
 * The controller against a fleet of 500 simulated instances in the fake SSM, with its defaults (the
 * invocations stay invisible for a moment after SendCommand, as in AWS). Each instance runs our real
 * document; a stand-in agent prints what the real one prints for the deploy (see transcript.ts), so the
 * controller meets the output it meets in a fleet: a version deploy's progress is longer than the 2,500
 * characters ListCommandInvocations keeps, and each such instance costs a GetCommandInvocation. Measured:
 * SSM calls per deploy, poll rounds, ListCommandInvocations pages against the fewest the listing needed,
 * and the time between the last instance finishing and the controller knowing it (target: one poll
 * interval at most). The two deploy kinds take turns, several samples each; medians are reported.
 */
const FLEET = Number(process.env.BENCH_FLEET ?? 500)
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 3)
const IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/web'
const DIGEST = `sha256:${'c'.repeat(64)}`
const SHAPES: readonly (DeployShape & { label: string })[] = [
  {
    label: 'version deploy (4 of 12 layers new)',
    kind: 'version',
    image: IMAGE,
    digest: DIGEST,
    previousDigest: `sha256:${'b'.repeat(64)}`,
    layers: 12,
    cached: 8,
  },
  {
    label: 'no-op re-deploy',
    kind: 'unchanged',
    image: IMAGE,
    digest: DIGEST,
    previousDigest: '',
    layers: 0,
    cached: 0,
  },
]

interface Sample {
  readonly ok: number
  readonly outputChars: number
  readonly calls: Record<string, number>
  readonly rounds: number
  /** Pages as the fake received them, and as the controller received answers. */
  readonly pagesServed: number
  readonly pagesAnswered: number
  /** The fewest pages that could have listed what each round listed (a page holds 50). */
  readonly fewestPages: number
  readonly listed: number
  readonly overheadMs: number
  readonly wallMs: number
}

const dir = await mkdtemp(join(tmpdir(), 'controller-bench-'))
const transcript = join(dir, 'transcript.txt')
const agent = join(dir, 'ecr-deploy-agent')
await writeFile(agent, `#!/bin/sh\ncat '${transcript}'\n`)
await chmod(agent, 0o755)
const aws = await startFakeAws()

/** The controller's port over the SDK adapter, noting each page the controller was answered. */
function countingFleet(client: SSMClient, pages: { first: boolean; size: number }[]): FleetApi {
  const api = new SdkFleetApi(client)
  return {
    instancesMatching: (targets) => api.instancesMatching(targets),
    sendCommand: (request) => api.sendCommand(request),
    getCommand: (id) => api.getCommand(id),
    listInvocations: async (id, token) => {
      const page = await api.listInvocations(id, token)
      pages.push({ first: token === undefined, size: page.invocations.length })
      return page
    },
    getOutput: (id, instance, step) => api.getOutput(id, instance, step),
    getParameter: (name) => api.getParameter(name),
    getParameterVersion: (name, version) => api.getParameterVersion(name, version),
    putParameter: (name, value) => api.putParameter(name, value),
    parameterHistory: (name) => api.parameterHistory(name),
  }
}

async function deployOnce(client: SSMClient, shape: DeployShape): Promise<Sample> {
  const output = deployTranscript(shape)
  await writeFile(transcript, output)
  const options = parseDeployFlags(
    {
      service: 'web',
      environment: 'bench',
      image: `${IMAGE}:v1`,
      targets: 'tag:Role=web',
      maxConcurrency: '50',
      maxErrors: '0',
      timeout: '900',
    },
    { AWS_REGION: 'us-east-1' },
    { actor: 'bench' },
  )
  const before = aws.calls.length
  const pages: { first: boolean; size: number }[] = []
  const started = Date.now()
  const report = await deployRelease(
    {
      registry: { resolve: async (ref) => withDigest(ref, DIGEST) },
      fleet: countingFleet(client, pages),
      clock: { now: Date.now, sleep: (ms) => sleep(ms), random: Math.random },
    },
    options,
  )
  const finished = Date.now()
  const command = aws.ssm.command(report.deploy.commandIds[0] ?? '')
  const lastInstanceDone = Math.max(
    ...(command?.invocations ?? []).flatMap((inv) => inv.plugins.map((plugin) => plugin.endedAt ?? 0)),
  )
  const calls: Record<string, number> = {}
  for (const call of aws.calls.slice(before)) calls[call.operation] = (calls[call.operation] ?? 0) + 1
  // Each round starts with a page asked without a token; it needed ceil(listed / 50) pages, one at least.
  const perRound: number[] = []
  for (const page of pages) {
    if (page.first) perRound.push(0)
    perRound[perRound.length - 1] = (perRound.at(-1) ?? 0) + page.size
  }
  return {
    ok: report.deploy.outcomes.filter((o) => o.result !== 'failed').length,
    outputChars: output.length,
    calls,
    rounds: calls.ListCommands ?? 0,
    pagesServed: calls.ListCommandInvocations ?? 0,
    pagesAnswered: pages.length,
    fewestPages: perRound.reduce((sum, listed) => sum + Math.max(1, Math.ceil(listed / 50)), 0),
    listed: perRound.reduce((sum, listed) => sum + listed, 0),
    overheadMs: finished - lastInstanceDone,
    wallMs: finished - started,
  }
}

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
  const samples = SHAPES.map(() => [] as Sample[])
  for (let i = 0; i < SAMPLES; i += 1) {
    // The kinds take turns, A B A B, so neither always runs on a warmer machine.
    for (const [k, shape] of SHAPES.entries()) samples[k]?.push(await deployOnce(client, shape))
  }
  const out = (text: string) => process.stdout.write(`${text}\n`)
  out(`fleet: ${FLEET} instances, MaxConcurrency 50, ${SAMPLES} deploys of each kind taking turns, medians`)
  for (const [k, shape] of SHAPES.entries()) {
    const list = samples[k] ?? []
    const m = (f: (s: Sample) => number) => median(list.map(f))
    const op = (name: string) => m((s) => s.calls[name] ?? 0)
    out(`\n${shape.label}: agent output ${list[0]?.outputChars ?? 0} characters (the listing keeps 2,500)`)
    out(`  instances succeeded: ${m((s) => s.ok)} of ${FLEET}`)
    out(
      `  SSM calls per deploy: ${m((s) => Object.values(s.calls).reduce((a, b) => a + b, 0))} (${['GetParameter', 'PutParameter', 'SendCommand', 'ListCommands', 'ListCommandInvocations', 'GetCommandInvocation'].map((name) => `${name} ${op(name)}`).join(', ')})`,
    )
    out(
      `  poll rounds: ${m((s) => s.rounds)}; ListCommandInvocations pages: ${m((s) => s.pagesServed)} received by SSM, ${m((s) => s.pagesAnswered)} answered, ${m((s) => s.fewestPages)} the fewest that could list what the rounds listed (${m((s) => s.listed)} invocations, 50 a page); GetCommandInvocation per instance: ${(op('GetCommandInvocation') / FLEET).toFixed(2)}`,
    )
    out(
      `  controller overhead beyond the slowest instance: median ${m((s) => s.overheadMs)} ms, samples ${list.map((s) => s.overheadMs).join(', ')} ms (target <= one poll interval, 5000 ms at most); wall time median ${m((s) => s.wallMs)} ms`,
    )
  }
  out(
    '\nThe fake fills every page to MaxResults; AWS documents MaxResults as a maximum, so against AWS the pages can only be as many or more.',
  )
} finally {
  await aws.close()
  await rm(dir, { recursive: true, force: true })
}
