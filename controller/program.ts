import { Command } from 'commander'
import { VERSION } from '../shared/version.ts'
import { registerCost } from './commands/cost.ts'
import { registerDeploy } from './commands/deploy.ts'
import type { SetExit } from './commands/fleet-command.ts'
import { registerHistory } from './commands/history.ts'
import { registerLock } from './commands/lock.ts'
import { registerMigrate } from './commands/migrate.ts'
import { registerRollback } from './commands/rollback.ts'
import { registerSetupAgents } from './commands/setup-agents.ts'
import { registerSetupCloudFormation } from './commands/setup-cloudformation.ts'
import { registerSetupDocument } from './commands/setup-document.ts'
import { registerSetupIam } from './commands/setup-iam.ts'
import { registerSetupLifecycle } from './commands/setup-lifecycle.ts'
import { registerSetupPullThroughCache } from './commands/setup-pull-through-cache.ts'
import { registerStatus } from './commands/status.ts'

/*
 * The controller's commands and flags, one file each under commands/. Building the program does nothing
 * else: cli.ts runs it, and the README test reads its commands and flags.
 */

/** The `ecr-deploy` program; each action reports its exit code through `setExit`. */
export function buildProgram(setExit: SetExit): Command {
  const program = new Command('ecr-deploy')
    .description('Deploy an ECR image to EC2 instances through SSM Run Command, from CI.')
    .version(VERSION)
    .option('--verbose', 'print stack traces')
    .exitOverride()
    .configureOutput({ writeErr: () => {} })
  registerDeploy(program, setExit)
  registerRollback(program, setExit)
  registerHistory(program)
  registerLock(program)
  registerStatus(program, setExit)
  registerCost(program)
  registerMigrate(program)

  const setup = program
    .command('setup')
    .description('install the SSM document, print IAM policies, manage ECR lifecycle')
  registerSetupDocument(setup)
  registerSetupIam(setup)
  registerSetupCloudFormation(setup)
  registerSetupLifecycle(setup)
  registerSetupPullThroughCache(setup)
  registerSetupAgents(setup, setExit)
  return program
}
