#!/usr/bin/env node
import { randomUUID } from 'node:crypto'
import { appendFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { Command, CommanderError, Option } from 'commander'
import { ExitCode, exitCodeOf, formatError, UsageError } from '../shared/errors.js'
import { type DeployFlags, parseDeployFlags } from './options.js'
import type { DeployReport } from './report/fleet-report.js'

// The SDK warns on every run that releases after January 2027 need Node 22; CI logs are no place for it,
// and the README states the Node versions the tool is tested on.
const printWarning = process.listeners('warning')
process.removeAllListeners('warning')
process.on('warning', (warning) => {
  if (!`${warning.name} ${warning.message}`.includes('NodeVersionSupportWarning'))
    for (const listener of printWarning) listener(warning)
})

/** The only place that prints errors and sets the exit code. */
async function main(argv: string[]): Promise<number> {
  let verbose = argv.includes('--verbose')
  const program = new Command('ecr-deploy')
    .description('Deploy an ECR image to EC2 instances through SSM Run Command, from CI.')
    .version('0.1.0')
    .option('--verbose', 'print stack traces')
    .exitOverride()
    .configureOutput({ writeErr: () => {} })

  let exit: number = ExitCode.ok
  program
    .command('deploy')
    .description('resolve the tag to a digest, record the desired release, send it to the instances and wait')
    .requiredOption('--service <name>', "service name in the agents' configuration")
    .requiredOption(
      '--image <uri>',
      'ECR image: <account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag> or @sha256:...',
    )
    .option('--targets <targets>', 'SSM targets, e.g. tag:Role=web,tag:Env=prod')
    .option('--instance-ids <ids...>', 'instance ids (any number; sent 50 per command)')
    .addOption(
      new Option('--max-concurrency <n|%>', 'instances deploying at once (SSM rate control)').default('25%'),
    )
    .addOption(
      new Option('--max-errors <n|%>', 'failures SSM tolerates before it stops sending').default('0'),
    )
    .addOption(new Option('--timeout <seconds>', 'how long to wait for the fleet').default('900'))
    .option('--document <name>', 'SSM document name (default: ecr-ssm-deploy)')
    .option('--region <region>', "AWS region (default: AWS_REGION, else the image's region)")
    .option('--rollback-on-failure', 'when an instance fails, put the previous release back everywhere')
    .option('--comment <text>', 'comment recorded on the SSM command')
    .option('--json', 'print the result as JSON')
    .action(async (flags: DeployFlags & { json?: boolean }) => {
      exit = await runDeploy(flags)
    })

  try {
    await program.parseAsync(argv)
    return exit
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return ExitCode.ok
      if (error.code === 'commander.help') return ExitCode.ok
      return report(new UsageError(error.message.replace(/^error: /, '')), verbose)
    }
    verbose ||= program.opts<{ verbose?: boolean }>().verbose === true
    return report(error, verbose)
  }
}

function report(error: unknown, verbose: boolean): number {
  process.stderr.write(`${formatError(error, verbose)}\n`)
  return exitCodeOf(error)
}

async function runDeploy(flags: DeployFlags & { json?: boolean }): Promise<number> {
  const options = parseDeployFlags(flags, process.env)
  // The SDK is loaded only once the flags are known to be good.
  const [{ EcrImageRegistry }, { SdkFleetApi }, { deployRelease }, text, github, verdict] = await Promise.all(
    [
      import('./ecr/images.js'),
      import('./ssm/sdk-fleet-api.js'),
      import('./deploy.js'),
      import('./report/text.js'),
      import('./report/github.js'),
      import('./report/fleet-report.js'),
    ],
  )
  const json = flags.json === true
  const deployReport: DeployReport = await deployRelease(
    {
      registry: EcrImageRegistry.forRegion(options.region),
      fleet: SdkFleetApi.forRegion(options.region),
      clock: { now: Date.now, sleep: (ms) => sleep(ms), random: Math.random },
      onOutcome: (outcome, phase) => {
        if (!json)
          process.stdout.write(`${phase === 'rollback' ? 'rollback ' : ''}${text.outcomeLine(outcome)}\n`)
      },
    },
    options,
  )
  if (json) process.stdout.write(`${JSON.stringify(deployReport)}\n`)
  else process.stdout.write(`${text.summaryText(deployReport)}\n`)
  if (process.env.GITHUB_ACTIONS === 'true') {
    if (process.env.GITHUB_STEP_SUMMARY)
      appendFileSync(process.env.GITHUB_STEP_SUMMARY, github.jobSummary(deployReport))
    if (process.env.GITHUB_OUTPUT)
      appendFileSync(process.env.GITHUB_OUTPUT, github.outputs(deployReport, `ecr_deploy_${randomUUID()}`))
    for (const line of github.annotations(deployReport)) process.stdout.write(`${line}\n`)
  }
  const failure = verdict.verdictOf(deployReport)
  if (failure) throw failure
  return ExitCode.ok
}

process.exitCode = await main(process.argv)
