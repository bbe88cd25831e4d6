import { type Command, Option } from 'commander'

/** How a command's action hands its exit code to cli.ts, the one place that sets it. */
export type SetExit = (code: number) => void

/** Adds a command with the options shared by the commands that send a document to a fleet. */
export function fleetCommand(
  parent: Command,
  name: string,
  description: string,
  withService = true,
): Command {
  const command = parent.command(name).description(description)
  if (withService) command.requiredOption('--service <name>', "service name in the agents' configuration")
  return command
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
    .option(
      '--region <region>',
      "AWS region (default: AWS_REGION, then the image's for deploy, the AWS config file's for the others)",
    )
    .option('--comment <text>', 'comment recorded on the SSM command')
    .option('--json', 'print the result as JSON')
}
