#!/usr/bin/env node
import { randomUUID } from 'node:crypto'
import { appendFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { Command, CommanderError, Option } from 'commander'
import { ExitCode, exitCodeOf, formatError, UsageError } from '../shared/errors.js'
import { type DeployFlags, type FleetFlags, parseDeployFlags, parseFleetFlags } from './options.js'
import type { DeployReport } from './report/fleet-report.js'
import type { WaitClock } from './ssm/waiter.js'

// The SDK warns on every run that its releases after January 2027 need Node 22; CI logs are no place for
// it, and the README states the Node versions the tool is tested on.
const printWarning = process.listeners('warning')
process.removeAllListeners('warning')
process.on('warning', (warning) => {
  if (!`${warning.name} ${warning.message}`.includes('NodeVersionSupportWarning')) {
    for (const listener of printWarning) listener(warning)
  }
})

const clock: WaitClock = { now: Date.now, sleep: (ms) => sleep(ms), random: Math.random }

/** Options shared by the commands that send our document to a fleet. */
function fleetCommand(program: Command, name: string, description: string): Command {
  return program
    .command(name)
    .description(description)
    .requiredOption('--service <name>', "service name in the agents' configuration")
    .option('--targets <targets>', 'SSM targets, e.g. tag:Role=web,tag:Env=prod')
    .option('--instance-ids <ids...>', 'instance ids (any number; sent 50 per command)')
    .addOption(
      new Option('--max-concurrency <n|%>', 'instances acting at once (SSM rate control)').default('25%'),
    )
    .addOption(
      new Option('--max-errors <n|%>', 'failures SSM tolerates before it stops sending').default('0'),
    )
    .addOption(new Option('--timeout <seconds>', 'how long to wait for the fleet').default('900'))
    .option('--document <name>', 'SSM document name (default: ecr-ssm-deploy)')
    .option('--region <region>', 'AWS region (default: AWS_REGION)')
    .option('--comment <text>', 'comment recorded on the SSM command')
    .option('--json', 'print the result as JSON')
}

/** Prints a deploy or rollback report where CI shows it, then turns it into the exit code. */
async function finishReport(deployReport: DeployReport, json: boolean): Promise<number> {
  const [text, github, verdict] = await Promise.all([
    import('./report/text.js'),
    import('./report/github.js'),
    import('./report/fleet-report.js'),
  ])
  // Clears the live line a terminal shows while waiting.
  const clear = process.stdout.isTTY && !json ? '\r\x1b[K' : ''
  process.stdout.write(`${clear}${json ? JSON.stringify(deployReport) : text.summaryText(deployReport)}\n`)
  if (process.env.GITHUB_ACTIONS === 'true') {
    const { GITHUB_STEP_SUMMARY: summary, GITHUB_OUTPUT: output } = process.env
    if (summary) appendFileSync(summary, github.jobSummary(deployReport))
    if (output) appendFileSync(output, github.outputs(deployReport, `ecr_deploy_${randomUUID()}`))
    for (const line of github.annotations(deployReport)) process.stdout.write(`${line}\n`)
  }
  const failure = verdict.verdictOf(deployReport)
  if (failure) throw failure
  return ExitCode.ok
}

/** The SDK is loaded only once the flags are known to be good. */
async function deployDeps(region: string, json: boolean) {
  const [{ EcrImageRegistry }, { SdkFleetApi }, { outcomeLine }, { LiveLine }] = await Promise.all([
    import('./ecr/images.js'),
    import('./ssm/sdk-fleet-api.js'),
    import('./report/text.js'),
    import('./report/live-line.js'),
  ])
  const live = new LiveLine(process.stdout, json)
  return {
    registry: EcrImageRegistry.forRegion(region),
    fleet: SdkFleetApi.forRegion(region),
    clock,
    onOutcome: (outcome: Parameters<typeof outcomeLine>[0], phase: 'deploy' | 'rollback') =>
      live.print(`${phase === 'rollback' ? 'rollback ' : ''}${outcomeLine(outcome)}`),
  }
}

function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('ecr-deploy')
    .description('Deploy an ECR image to EC2 instances through SSM Run Command, from CI.')
    .version('0.1.0')
    .option('--verbose', 'print stack traces')
    .exitOverride()
    .configureOutput({ writeErr: () => {} })

  fleetCommand(program, 'deploy', 'resolve the tag to a digest, record the desired release, send it and wait')
    .requiredOption(
      '--image <uri>',
      'ECR image: <account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag> or @sha256:...',
    )
    .option('--rollback-on-failure', 'when an instance fails, put the previous release back everywhere')
    .action(async (flags: DeployFlags & { json?: boolean }) => {
      const options = parseDeployFlags(flags, process.env)
      const { deployRelease } = await import('./deploy.js')
      const report = await deployRelease(await deployDeps(options.region, flags.json === true), options)
      setExit(await finishReport(report, flags.json === true))
    })

  fleetCommand(
    program,
    'rollback',
    'deploy an earlier desired release (Parameter Store history) to the fleet',
  )
    .option(
      '--to <version|digest>',
      'Parameter Store version number or sha256 digest (default: the previous one)',
    )
    .action(async (flags: FleetFlags & { json?: boolean; to?: string }) => {
      const options = parseFleetFlags(flags, process.env)
      const { rollbackRelease } = await import('./rollback.js')
      const report = await rollbackRelease(
        await deployDeps(options.region, flags.json === true),
        options,
        flags.to,
      )
      setExit(await finishReport(report, flags.json === true))
    })

  fleetCommand(program, 'status', 'the release each instance runs, next to the desired release').action(
    async (flags: FleetFlags & { json?: boolean }) => {
      const options = parseFleetFlags(flags, process.env)
      const [{ SdkFleetApi }, { fleetStatus, statusText }] = await Promise.all([
        import('./ssm/sdk-fleet-api.js'),
        import('./status.js'),
      ])
      const status = await fleetStatus(SdkFleetApi.forRegion(options.region), clock, options)
      process.stdout.write(`${flags.json ? JSON.stringify(status) : statusText(status)}\n`)
      const unanswered = status.instances.filter((i) => i.error !== undefined).length
      setExit(status.timedOut ? ExitCode.timeout : unanswered > 0 ? ExitCode.partialFailure : ExitCode.ok)
    },
  )

  return program
}

/** The only place that prints errors and sets the exit code. */
async function main(argv: string[]): Promise<number> {
  let exit: number = ExitCode.ok
  const program = buildProgram((code) => {
    exit = code
  })
  try {
    await program.parseAsync(argv)
    return exit
  } catch (error) {
    const verbose = argv.includes('--verbose')
    if (error instanceof CommanderError) {
      if (['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(error.code))
        return ExitCode.ok
      return report(new UsageError(error.message.replace(/^error: /, '')), verbose)
    }
    return report(error, verbose)
  }
}

function report(error: unknown, verbose: boolean): number {
  process.stderr.write(`${formatError(error, verbose)}\n`)
  return exitCodeOf(error)
}

process.exitCode = await main(process.argv)
