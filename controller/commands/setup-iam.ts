import type { Command } from 'commander'
import type { IamFlags } from '../setup/flags.ts'

/** The flags of the commands that print IAM: `setup iam` and `setup cloudformation`. */
export function iamCommand(setup: Command, name: string): Command {
  return setup
    .command(name)
    .requiredOption('--github-repo <owner/name>', 'repository whose workflows may assume the CI role')
    .option('--branch <branch>', 'branch allowed to deploy (default: main)')
    .option('--environment <name>', 'GitHub environment allowed to deploy, instead of a branch')
    .requiredOption('--account <id>', 'AWS account id')
    .requiredOption('--region <region>', 'AWS region')
    .requiredOption('--tag <Key=Value>', 'instance tag that SendCommand is limited to')
    .requiredOption('--repository <names...>', 'ECR repositories the CI role pushes to')
    .option('--document <name>', 'SSM document name', 'ecr-ssm-deploy')
}

/** `ecr-deploy setup iam`. */
export function registerSetupIam(setup: Command): void {
  iamCommand(setup, 'iam')
    .description('print least-privilege policies: GitHub OIDC trust, CI role, instance role')
    .action(async (flags: IamFlags) => {
      const { parseIamFlags } = await import('../setup/flags.ts')
      const iam = await import('../setup/iam.ts')
      const input = parseIamFlags(flags)
      const documents = {
        ciRoleTrustPolicy: iam.githubTrustPolicy(input),
        ciRolePolicy: iam.ciRolePolicy(input),
        instanceRolePolicy: iam.instanceRolePolicy(input),
        instanceRoleManagedPolicyArns: [iam.ssmManagedInstanceCore(input.region)],
      }
      process.stdout.write(`${JSON.stringify(documents, null, 2)}\n`)
    })
}
