import * as core from '@actions/core'
import { ExitCode, formatError } from '../../shared/errors.ts'
import { deployRelease } from '../deploy.ts'
import { deployDeps, loadDeployOptions } from '../deploy-deps.ts'
import { exitOnInterrupt } from '../interrupt.ts'
import { runLocked } from '../lock/while-locked.ts'
import type { DeployReport } from '../report/fleet-report.ts'
import { annotations, jobSummary } from '../report/github.ts'
import { summaryText } from '../report/text.ts'
import { verdictOf } from '../report/verdict.ts'
import { githubDeployment } from './github-deployment.ts'
import { githubDeploymentInputs } from './github-inputs.ts'
import { deployFlagsFromInputs } from './inputs.ts'
import { outputValues } from './outputs.ts'

/*
 * The GitHub Action's entry, bundled into action/index.js (npm run build:action). It runs the same deploy
 * use case and reports as `ecr-deploy deploy`, under the same deploy lock; the inputs are validated before
 * any AWS call. The one place that calls setFailed.
 */
async function run(): Promise<void> {
  try {
    const flags = deployFlagsFromInputs(core)
    const github = githubDeploymentInputs(core)
    // Masked by the runner in everything the job prints from here on.
    if (github !== undefined) core.setSecret(github.token)
    const options = await loadDeployOptions(flags, process.env)
    const deps = await deployDeps(options.region, false, options.rollout?.alarm !== undefined)
    const report = await runLocked(options, flags, (assertLockHeld) => {
      const deploy = () => deployRelease({ ...deps, assertLockHeld }, options)
      return github === undefined ? deploy() : githubDeployment(github, options, process.env, deploy)
    })
    await publish(report)
    const failure = verdictOf(report)
    if (failure) throw failure
  } catch (error) {
    core.setFailed(formatError(error, core.isDebug()))
  }
}

/** Outputs and the job summary are written whatever the verdict: a failed deploy still has a digest. */
async function publish(report: DeployReport): Promise<void> {
  process.stdout.write(`${summaryText(report)}\n`)
  for (const [name, value] of Object.entries(outputValues(report))) core.setOutput(name, value)
  for (const line of annotations(report)) process.stdout.write(`${line}\n`)
  // The toolkit throws when the runner gave no summary file (an older runner or a local run).
  if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(jobSummary(report)).write()
}

// A cancelled run gets SIGINT, then SIGTERM: the deploy lock is released before the step ends.
exitOnInterrupt((error) => {
  core.setFailed(formatError(error))
  return ExitCode.interrupted
})

await run()
