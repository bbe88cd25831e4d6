import type { Command } from 'commander'
import { configFileRegion } from '../config-file-region.ts'
import { resolveRegion } from '../options.ts'

/** `ecr-deploy setup document`. */
export function registerSetupDocument(setup: Command): void {
  setup
    .command('document')
    .description('create or update our SSM document and make the new version the default')
    .option('--name <name>', 'document name', 'ecr-ssm-deploy')
    .option('--region <region>', 'AWS region (default: AWS_REGION, then the AWS config file)')
    .action(async (flags: { name: string; region?: string }) => {
      const region = resolveRegion(
        flags.region,
        process.env,
        await configFileRegion(flags.region, process.env),
      )
      const [{ SdkDocumentStore }, { deployDocumentContent }] = await Promise.all([
        import('../ssm/document-store.ts'),
        import('../ssm/document.ts'),
      ])
      const installed = await SdkDocumentStore.forRegion(region).install(flags.name, deployDocumentContent())
      process.stdout.write(`${installed.action} document ${installed.name} (version ${installed.version})\n`)
    })
}
