import type { Command } from 'commander'
import type { IamFlags } from '../setup/flags.ts'
import { iamCommand, iamInputOf } from './setup-iam.ts'

/** `ecr-deploy setup cloudformation`. */
export function registerSetupCloudFormation(setup: Command): void {
  iamCommand(setup, 'cloudformation')
    .description('print a CloudFormation template: OIDC provider, roles, ECR repositories, SSM document')
    .option('--keep <count>', 'tagged images each repository keeps', '30')
    .option('--untagged-days <days>', 'days before untagged images expire', '7')
    .option('--no-oidc-provider', 'the account already has the GitHub OIDC provider')
    .action(async (flags: IamFlags & { keep: string; untaggedDays: string; oidcProvider: boolean }) => {
      const [{ parseLifecycleFlags }, { cloudFormationTemplate }, { deployDocumentContent }] =
        await Promise.all([
          import('../setup/flags.ts'),
          import('../setup/cloudformation.ts'),
          import('../ssm/document.ts'),
        ])
      const template = cloudFormationTemplate({
        iam: await iamInputOf(flags),
        lifecycle: parseLifecycleFlags(flags),
        documentContent: deployDocumentContent(),
        createOidcProvider: flags.oidcProvider,
      })
      process.stdout.write(`${JSON.stringify(template, null, 2)}\n`)
    })
}
