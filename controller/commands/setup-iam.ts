import type { Command } from 'commander'
import type { IamFlags } from '../setup/flags.ts'
import type { IamInput } from '../setup/iam.ts'

/** The flags of the commands that print IAM: `setup iam` and `setup cloudformation`. */
export function iamCommand(setup: Command, name: string): Command {
  return setup
    .command(name)
    .requiredOption('--github-repo <owner/name>', 'repository whose workflows may assume the CI role')
    .option('--branch <branch>', 'branch allowed to deploy (default: main)')
    .option('--environment <name>', 'GitHub environment allowed to deploy, instead of a branch')
    .option(
      '--namespace <name>',
      'release namespace /ecr-deploy/<name>/ (default: the --environment; required with a branch)',
    )
    .option('--service <names...>', 'services whose releases the CI role writes (repeatable)')
    .requiredOption('--account <id>', 'AWS account id')
    .requiredOption('--region <region>', 'AWS region')
    .requiredOption('--tag <Key=Value>', 'instance tag that SendCommand is limited to')
    .requiredOption('--repository <names...>', 'ECR repositories the CI role pushes to')
    .option('--document <name>', 'SSM document name', 'ecr-ssm-deploy')
    .option('--parameter-path <paths...>', 'Parameter Store paths the instances read, e.g. /app/prod/web/')
    .option('--agent-config <file>', 'agent.yaml whose envFromParameters the instances read')
    .option('--kms-key <arns...>', 'KMS key the instances decrypt SecureStrings with, through SSM only')
    .option(
      '--pull-through-cache <prefixes...>',
      'ECR pull-through cache prefixes the instances pull base images through, e.g. docker-hub',
    )
    .option(
      '--ssm-managed-instance-core',
      'also attach AmazonSSMManagedInstanceCore (Session Manager, Patch Manager; reads every parameter)',
    )
    .option('--alarm <names...>', 'CloudWatch alarms deploy --alarm watches: the CI role may read only these')
}

/** The flags checked, with `--agent-config` read: what both commands build from. */
export async function iamInputOf(flags: IamFlags): Promise<IamInput> {
  const [{ parseIamFlags }, { readFile }, { UsageError }] = await Promise.all([
    import('../setup/flags.ts'),
    import('node:fs/promises'),
    import('../../shared/errors.ts'),
  ])
  if (flags.agentConfig === undefined) return parseIamFlags(flags)
  const file = flags.agentConfig
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`--agent-config: cannot read ${file} (${error.code ?? error.message})`)
  })
  return parseIamFlags(flags, { text, file })
}

/** `ecr-deploy setup iam`. */
export function registerSetupIam(setup: Command): void {
  iamCommand(setup, 'iam')
    .description('print least-privilege policies: GitHub OIDC trust, CI role, instance role, SSM Agent')
    .action(async (flags: IamFlags) => {
      const { iamDocuments } = await import('../setup/iam-documents.ts')
      const documents = iamDocuments(await iamInputOf(flags))
      process.stdout.write(`${JSON.stringify(documents, null, 2)}\n`)
    })
}
