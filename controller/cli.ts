#!/usr/bin/env node
import { CommanderError } from 'commander'
import { ExitCode, exitCodeOf, formatError, UsageError } from '../shared/errors.ts'
import { exitOnInterrupt } from './interrupt.ts'
import { buildProgram } from './program.ts'

// The SDK warns on every run that its releases after January 2027 need Node 22; CI logs are no place for
// it, and the README states the Node versions the tool is tested on.
const printWarning = process.listeners('warning')
process.removeAllListeners('warning')
process.on('warning', (warning) => {
  if (!`${warning.name} ${warning.message}`.includes('NodeVersionSupportWarning')) {
    for (const listener of printWarning) listener(warning)
  }
})

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

// SIGINT (Ctrl-C, a cancelled workflow) and SIGTERM: the deploy lock is released first, then E_INTERRUPTED.
exitOnInterrupt((error, failures) => {
  for (const failure of failures) process.stderr.write(`${formatError(failure)}\n`)
  return report(error, false)
})

process.exitCode = await main(process.argv)
