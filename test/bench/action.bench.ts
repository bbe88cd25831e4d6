import { execFile, spawn } from 'node:child_process'
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { parse } from 'yaml'
import { type FakeAws, startFakeAws } from '../ground/fake-aws/index.ts'
import { actionCheckout, CI_KEYS } from '../support/run-action.ts'
import { runnerInputEnv } from '../support/runner-env.ts'

/*
 * `npm run bench -- action`: the time from the action's start to its first AWS request (the fake AWS
 * records when each request arrives), for the bundled node24 action and for the composite action it
 * replaced (npm ci and npm run build in the action's checkout, then the CLI), run alternately, medians.
 * The composite runs from the last commit whose action.yml was composite, with a warm npm cache, and
 * from a fresh checkout each time, as the runner downloads an action anew for every job.
 */
const RUNS = Number(process.env.BENCH_RUNS ?? 3)
const root = new URL('../..', import.meta.url).pathname
const exec = promisify(execFile)
const INPUTS = {
  service: 'web',
  image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/web:v1',
  targets: 'tag:Role=web',
}

interface CompositeStep {
  readonly run: string
  readonly env?: Record<string, string>
  readonly 'working-directory'?: string
}

/** The commit just before action.yml stopped being a composite action: the whole tree as it last ran. */
async function lastCompositeCommit(): Promise<string> {
  const using = async (commit: string) => {
    const { stdout } = await exec('git', ['show', `${commit}:action.yml`], { cwd: root })
    return (parse(stdout) as { runs: { using: string } }).runs.using
  }
  const { stdout } = await exec('git', ['log', '--format=%H', '--', 'action.yml'], { cwd: root })
  for (const commit of stdout.split('\n').filter(Boolean)) {
    if ((await using(commit)) !== 'composite' && (await using(`${commit}^`)) === 'composite') {
      return (await exec('git', ['rev-parse', `${commit}^`], { cwd: root })).stdout.trim()
    }
  }
  throw new Error('no commit of action.yml turned a composite action into another kind')
}

function runEnv(aws: FakeAws, home: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? home,
    ...aws.env(),
    ...CI_KEYS,
    AWS_EC2_METADATA_DISABLED: 'true',
    GITHUB_ACTIONS: 'true',
  }
}

/** Runs to the end; the exit code and the output's tail, for a step that should not have failed. */
function spawnDone(
  command: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
): Promise<{ code: number; tail: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-2000)
    }
    child.stdout.on('data', keep)
    child.stderr.on('data', keep)
    child.on('error', reject)
    child.on('exit', (code) => resolve({ code: code ?? -1, tail: output }))
  })
}

/** Milliseconds from `started` to the first request the fake received after `before` calls. */
function firstRequestAfter(aws: FakeAws, before: number, started: number): number {
  const first = aws.calls[before]
  if (!first) throw new Error('the action made no AWS request')
  return first.at - started
}

async function bundled(aws: FakeAws, checkout: string, workspace: string): Promise<number> {
  const env = { ...runEnv(aws, workspace), ...runnerInputEnv(INPUTS) }
  const before = aws.calls.length
  const started = Date.now()
  await spawnDone(process.execPath, [join(checkout, 'action/index.js')], workspace, env)
  return firstRequestAfter(aws, before, started)
}

async function composite(aws: FakeAws, commit: string, base: string, workspace: string) {
  const checkout = await mkdtemp(join(base, 'composite-'))
  await exec('sh', ['-c', `git archive ${commit} | tar -x -C "${checkout}"`], { cwd: root })
  const { runs } = parse((await exec('git', ['show', `${commit}:action.yml`], { cwd: root })).stdout) as {
    runs: { steps: CompositeStep[] }
  }
  const inputs = Object.fromEntries(
    Object.entries(runnerInputEnv(INPUTS)).map(([name, value]) => [name.slice('INPUT_'.length), value]),
  )
  const before = aws.calls.length
  const started = Date.now()
  const stepEnds: number[] = []
  for (const step of runs.steps) {
    // The composite mapped each input to an env variable with `${{ inputs.<name> }}`.
    const env = Object.fromEntries(
      Object.entries(step.env ?? {}).map(([name, value]) => {
        const input = /\$\{\{ inputs\.([\w-]+) \}\}/.exec(value)?.[1] ?? ''
        return [name, inputs[input.toUpperCase()] ?? '']
      }),
    )
    const cwd = step['working-directory'] ? checkout : workspace
    const done = await spawnDone('bash', ['-e', '-c', step.run], cwd, {
      ...runEnv(aws, workspace),
      GITHUB_ACTION_PATH: checkout,
      ...env,
    })
    stepEnds.push(Date.now() - started)
    if (aws.calls.length === before && done.code !== 0)
      throw new Error(`composite step failed before any AWS request (exit ${done.code}):\n${done.tail}`)
  }
  const total = firstRequestAfter(aws, before, started)
  const installed = await stat(join(checkout, 'node_modules')).then(
    () => true,
    () => false,
  )
  await rm(checkout, { recursive: true, force: true })
  return { total, installAndBuild: stepEnds[0] ?? 0, installed }
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2
}

const base = await mkdtemp(join(tmpdir(), 'action-bench-'))
const aws = await startFakeAws()
try {
  const workspace = join(base, 'workspace')
  await mkdir(workspace)
  const checkout = await actionCheckout(base)
  const commit = await lastCompositeCommit()
  const bundleBytes = (await stat(join(checkout, 'action/index.js'))).size
  // Warms the npm cache with the composite's lockfile; not counted.
  await composite(aws, commit, base, workspace)
  const times = { bundled: [] as number[], composite: [] as number[], installAndBuild: [] as number[] }
  for (let run = 0; run < RUNS; run += 1) {
    times.bundled.push(await bundled(aws, checkout, workspace))
    const result = await composite(aws, commit, base, workspace)
    if (!result.installed) throw new Error('the composite action installed nothing: the bench is wrong')
    times.composite.push(result.total)
    times.installAndBuild.push(result.installAndBuild)
  }
  const ms = (values: number[]) => `median ${median(values).toFixed(0)} ms (runs: ${values.join(', ')})`
  process.stdout.write(
    [
      `action start to first AWS request, ${RUNS} runs each, alternating:`,
      `  bundled node24 action (action/index.js, ${(bundleBytes / 1024).toFixed(0)} KiB): ${ms(times.bundled)} (target <= 1000 ms)`,
      `  composite action of ${commit.slice(0, 12)} (npm ci + build, warm cache): ${ms(times.composite)}`,
      `    of which npm ci and npm run build: ${ms(times.installAndBuild)}`,
      '',
    ].join('\n'),
  )
} finally {
  await aws.close()
  await rm(base, { recursive: true, force: true })
}
