import { Command, CommanderError, Option } from 'commander'
import { resultLineText } from '../../shared/agent-contract.ts'
import { ExitCode, exitCodeOf, formatError, UsageError } from '../../shared/errors.ts'
import { terminalLines } from '../../shared/terminal-text.ts'
import { DEFAULT_CONFIG_PATH, DEFAULT_SOCKET, SETTING_VARIABLES } from '../config/settings.ts'
import { AgentClient } from './client.ts'
import {
  type CliIo,
  deployCommand,
  historyCommand,
  OperationFailed,
  pullCommand,
  reloadCommand,
  retireCommand,
  rollbackCommand,
  statusCommand,
} from './commands.ts'
import { AGENT_VERSION } from './defaults.ts'

/*
 * The agent CLI. It runs once per SSM command, so it stays a thin client of the daemon: only `serve`
 * loads the daemon (fastify, dockerode, the AWS SDK, pino) and only `proxy` loads the proxy, each through
 * a dynamic import. The same program is the executable's entry point and the npm bin's.
 */

/** The process's own streams and clock: what the bin and the executable run with. */
export const processIo: CliIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  now: () => Date.now(),
}

interface GlobalOptions {
  readonly socket: string
  readonly verbose?: boolean
}

/** The agent CLI's commands; each action prints through `io` (help and version too) and throws typed errors. */
export function buildProgram(io: CliIo = processIo): Command {
  const program = new Command('ecr-deploy-agent')
    .description('Deploy, health-check and roll back containers on this instance.')
    .version(AGENT_VERSION)
    .addOption(
      new Option('--socket <path>', 'agent daemon socket')
        .env(SETTING_VARIABLES.socket)
        .default(DEFAULT_SOCKET),
    )
    .option('--verbose', 'print stack traces and debug logs')
    .exitOverride()
    // Commander ends help and version with a newline, which io.out adds itself.
    .configureOutput({ outputError: () => {}, writeOut: (text) => io.out(text.replace(/\n$/, '')) })

  const globals = (command: Command): GlobalOptions => command.optsWithGlobals<GlobalOptions>()
  const client = (command: Command): AgentClient => new AgentClient(globals(command).socket)

  program
    .command('serve')
    .description('run the agent daemon (systemd starts it)')
    .addOption(new Option('--config <path>', 'configuration file').env(SETTING_VARIABLES.configPath))
    .action(async (options: { config?: string }, command: Command) => {
      const { runDaemon } = await import('../main.ts')
      const { socket, verbose } = globals(command)
      await runDaemon({ socketPath: socket, verbose: verbose === true, ...options })
      // Idle keep-alive sockets (Docker, AWS) would hold the process open after a clean shutdown.
      process.exit(ExitCode.ok)
    })

  program
    .command('deploy')
    .description(
      'deploy a release (or, by hand, an ECR image) to a service; prints progress, then one JSON result line',
    )
    .requiredOption('--service <name>', 'service name from the agent configuration')
    .option('--release <selector>', 'release parameter version, such as /ecr-deploy/prod/web:7')
    .option('--image <uri>', 'ECR image, by tag or @sha256 digest, run with the file entry alone')
    .option('--wait', 'wait for a running deploy of the service instead of failing as busy', false)
    .option('--json', 'print only the JSON result line on stdout', false)
    .action(
      (
        options: { service: string; image?: string; release?: string; wait: boolean; json: boolean },
        command: Command,
      ) => deployCommand(client(command), io, options),
    )

  program
    .command('pull')
    .description(
      'pull the image of a release (or an ECR image) ahead of its deploy, changing no container; prints one JSON result line',
    )
    .requiredOption('--service <name>', 'service name from the agent configuration')
    .option('--release <selector>', 'release parameter version, such as /ecr-deploy/prod/web:7')
    .option('--image <uri>', 'ECR image, by tag or @sha256 digest')
    .option('--json', 'print only the JSON result line on stdout', false)
    .action(
      (options: { service: string; image?: string; release?: string; json: boolean }, command: Command) =>
        pullCommand(client(command), io, options),
    )

  program
    .command('rollback')
    .description('return a service to its previous (or a given) release')
    .requiredOption('--service <name>', 'service name')
    .option('--to <release>', 'release id from `history`')
    .option('--json', 'print only the JSON result line on stdout', false)
    .action((options: { service: string; to?: string; json: boolean }, command: Command) =>
      rollbackCommand(client(command), io, options),
    )

  program
    .command('status')
    .description('show the services and their current release')
    .option('--service <name>', 'only this service')
    .option('--json', 'print JSON', false)
    .action((options: { service?: string; json: boolean }, command: Command) =>
      statusCommand(client(command), io, options),
    )

  program
    .command('history')
    .description('show the recorded releases of a service')
    .requiredOption('--service <name>', 'service name')
    .option('--json', 'print JSON', false)
    .action((options: { service: string; json: boolean }, command: Command) =>
      historyCommand(client(command), io, options),
    )

  program
    .command('retire')
    .description('remove the containers and proxy ports of a service taken out of the configuration')
    .requiredOption('--service <name>', 'service name')
    .option('--json', 'print JSON', false)
    .action((options: { service: string; json: boolean }, command: Command) =>
      retireCommand(client(command), io, options),
    )

  program
    .command('reload')
    .description('make the daemon read its configuration again')
    .action((_options: object, command: Command) => reloadCommand(client(command), io))

  program
    .command('check-config')
    .description('check a configuration file as the daemon would read it; exit 0, or 2 naming what is wrong')
    .addOption(
      new Option('--config <path>', 'configuration file')
        .env(SETTING_VARIABLES.configPath)
        .default(DEFAULT_CONFIG_PATH),
    )
    .action(async (options: { config: string }) => {
      const { loadConfig } = await import('../config/load.ts')
      const config = await loadConfig(options.config)
      const names = Object.keys(config.services)
      io.out(
        `${options.config}: ok, ${names.length} service(s)${names.length > 0 ? `: ${names.join(', ')}` : ''}`,
      )
    })

  program
    .command('proxy')
    .description('run the blue-green proxy that holds public ports (systemd starts it)')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (_options: object, command: Command) => {
      const { runProxy } = await import('../proxy/run-proxy.ts')
      await runProxy(command.args, 'ecr-deploy-agent proxy')
    })

  return program
}

/**
 * What the CLI prints carries text from containers and Docker (a failed container's last log lines, pull
 * statuses, the daemon's messages): each line loses the characters a terminal would act on, so that text
 * cannot move the cursor, retitle or clear the screen of whoever runs it. The JSON result line stays JSON
 * (it escapes C0 controls itself).
 */
function terminalSafe(io: CliIo): CliIo {
  const safe = (text: string) => terminalLines(text).join('\n')
  return { ...io, out: (text) => io.out(safe(text)), err: (text) => io.err(safe(text)) }
}

/** Runs the CLI on `argv` (process.argv's shape) and returns the exit code; the one place that prints errors. */
export async function runAgentCli(argv: readonly string[], given: CliIo = processIo): Promise<number> {
  const io = terminalSafe(given)
  try {
    await buildProgram(io).parseAsync([...argv])
    return ExitCode.ok
  } catch (error) {
    return report(error, argv.includes('--verbose'), io)
  }
}

/** `error [CODE]: message`, the hint, the stack only with --verbose. */
function report(error: unknown, verbose: boolean, io: CliIo): number {
  if (error instanceof CommanderError) {
    if (error.exitCode === 0) return ExitCode.ok
    io.err(formatError(new UsageError(error.message.replace(/^error: /, '')), verbose))
    return ExitCode.usage
  }
  if (error instanceof OperationFailed) {
    io.err(formatError(error.error, verbose))
    io.out(resultLineText(error.summary))
    return error.error.exitCode
  }
  io.err(formatError(error, verbose))
  return exitCodeOf(error)
}
