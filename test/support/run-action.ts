import { type ChildProcess, execFile } from 'node:child_process'
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { FakeAws } from '../ground/fake-aws/index.ts'
import { compileCacheEnv } from './compile-cache-env.ts'
import { parseOutputFile, runnerInputEnv } from './runner-env.ts'

const root = new URL('../..', import.meta.url).pathname
const run = promisify(execFile)

/** What the runner would see of one run of the action. */
export interface ActionRun {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
  /** $GITHUB_OUTPUT, parsed. */
  readonly outputs: Record<string, string>
  /** $GITHUB_STEP_SUMMARY as written. */
  readonly summary: string
}

/**
 * The action as the runner downloads it: the repository's files without node_modules (the bundle's
 * ES module syntax rests on package.json's "type": "module").
 */
export async function actionCheckout(dir: string): Promise<string> {
  const checkout = join(dir, 'action-checkout')
  await mkdir(join(checkout, 'action'), { recursive: true })
  for (const file of ['action.yml', 'package.json', 'action/index.js'])
    await copyFile(join(root, file), join(checkout, file))
  return checkout
}

/** Static CI keys, as configure-aws-credentials exports them; the secret must never be printed. */
export const CI_KEYS = {
  AWS_ACCESS_KEY_ID: 'AKIDACTION',
  AWS_SECRET_ACCESS_KEY: 'secret-d3adb33f-never-shown',
}

/**
 * Runs `node <checkout>/action/index.js` as the runner runs a node24 action: INPUT_* variables (with
 * action.yml's defaults), fresh GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, GITHUB_ACTIONS=true, and
 * the workspace as working directory.
 */
export async function runAction(
  aws: FakeAws,
  checkout: string,
  workspace: string,
  inputs: Readonly<Record<string, string>>,
  extraEnv: Readonly<Record<string, string>> = {},
): Promise<ActionRun> {
  return (await startAction(aws, checkout, workspace, inputs, extraEnv)).done
}

/** Starts the action as {@link runAction} does, handing back the process too, e.g. to signal it. */
export async function startAction(
  aws: FakeAws,
  checkout: string,
  workspace: string,
  inputs: Readonly<Record<string, string>>,
  extraEnv: Readonly<Record<string, string>> = {},
): Promise<{ readonly child: ChildProcess; readonly done: Promise<ActionRun> }> {
  const outputFile = join(workspace, `output-${Date.now().toString(36)}-${Math.random()}`)
  const summaryFile = join(workspace, `summary-${Date.now().toString(36)}-${Math.random()}`)
  await writeFile(outputFile, '')
  await writeFile(summaryFile, '')
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: workspace,
    ...compileCacheEnv(),
    ...aws.env(),
    ...CI_KEYS,
    AWS_EC2_METADATA_DISABLED: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    ...runnerInputEnv(inputs),
    ...extraEnv,
  }
  const started = run(process.execPath, [join(checkout, 'action/index.js')], {
    env,
    cwd: workspace,
  })
  const done = started.then(
    (out) => ({ code: 0, stdout: out.stdout, stderr: out.stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      stdout: error.stdout,
      stderr: error.stderr,
    }),
  )
  return {
    child: started.child,
    done: done.then(async (result) => ({
      ...result,
      outputs: parseOutputFile(await readFile(outputFile, 'utf8')),
      summary: await readFile(summaryFile, 'utf8'),
    })),
  }
}
