import { randomUUID } from 'node:crypto'
import { appendFileSync } from 'node:fs'
import { Command, Option } from 'commander'
import { ExitCode } from '../shared/errors.js'
import { VERSION } from '../shared/version.js'
import { configFileRegion } from './config-file-region.js'
import { clock, deployDeps } from './deploy-deps.js'
import {
  type DeployFlags,
  type FleetFlags,
  parseDeployFlags,
  parseFleetFlags,
  resolveRegion,
} from './options.js'
import { guardedForCi } from './report/ci-guard.js'
import type { DeployReport } from './report/fleet-report.js'
import type { ArtefactFlags } from './setup/agent-artefact.js'
import type { IamFlags } from './setup/flags.js'

/*
 * The controller's commands and flags. Building the program does nothing else: cli.ts runs it, and the
 * README test reads its commands and flags.
 */
/** Options shared by the commands that send our document to a fleet. */
function fleetCommand(program: Command, name: string, description: string, withService = true): Command {
  const command = program.command(name).description(description)
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

/** Prints a deploy or rollback report where CI shows it, then turns it into the exit code. */
async function finishReport(deployReport: DeployReport, json: boolean): Promise<number> {
  const [text, github, verdict, { jsonLine }, guarded] = await Promise.all([
    import('./report/text.js'),
    import('./report/github.js'),
    import('./report/verdict.js'),
    import('./report/json-text.js'),
    guardedForCi(),
  ])
  // Clears the live line a terminal shows while waiting.
  const clear = process.stdout.isTTY && !json ? '\r\x1b[K' : ''
  process.stdout.write(
    `${clear}${guarded(`${json ? jsonLine(deployReport) : text.summaryText(deployReport)}\n`)}`,
  )
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

/** The `ecr-deploy` program; each action reports its exit code through `setExit`. */
export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('ecr-deploy')
    .description('Deploy an ECR image to EC2 instances through SSM Run Command, from CI.')
    .version(VERSION)
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
      const options = parseFleetFlags(flags, process.env, await configFileRegion(flags.region, process.env))
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
      const options = parseFleetFlags(flags, process.env, await configFileRegion(flags.region, process.env))
      const [{ SdkFleetApi }, { fleetStatus, statusText }, { statusExitCode }] = await Promise.all([
        import('./ssm/sdk-fleet-api.js'),
        import('./status.js'),
        import('./report/verdict.js'),
      ])
      const status = await fleetStatus(SdkFleetApi.forRegion(options.region), clock, options)
      process.stdout.write(`${flags.json ? JSON.stringify(status) : statusText(status)}\n`)
      setExit(statusExitCode(status))
    },
  )

  const setup = program
    .command('setup')
    .description('install the SSM document, print IAM policies, manage ECR lifecycle')

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
      const [{ SSMClient }, { DocumentStore }, { deployDocumentContent }] = await Promise.all([
        import('@aws-sdk/client-ssm'),
        import('./setup/document-store.js'),
        import('./ssm/document.js'),
      ])
      const installed = await new DocumentStore(new SSMClient({ region })).install(
        flags.name,
        deployDocumentContent(),
      )
      process.stdout.write(`${installed.action} document ${installed.name} (version ${installed.version})\n`)
    })

  const iamOptions = (command: Command) =>
    command
      .requiredOption('--github-repo <owner/name>', 'repository whose workflows may assume the CI role')
      .option('--branch <branch>', 'branch allowed to deploy (default: main)')
      .option('--environment <name>', 'GitHub environment allowed to deploy, instead of a branch')
      .requiredOption('--account <id>', 'AWS account id')
      .requiredOption('--region <region>', 'AWS region')
      .requiredOption('--tag <Key=Value>', 'instance tag that SendCommand is limited to')
      .requiredOption('--repository <names...>', 'ECR repositories the CI role pushes to')
      .option('--document <name>', 'SSM document name', 'ecr-ssm-deploy')

  iamOptions(setup.command('iam'))
    .description('print least-privilege policies: GitHub OIDC trust, CI role, instance role')
    .action(async (flags: IamFlags) => {
      const { parseIamFlags } = await import('./setup/flags.js')
      const iam = await import('./setup/iam.js')
      const input = parseIamFlags(flags)
      const documents = {
        ciRoleTrustPolicy: iam.githubTrustPolicy(input),
        ciRolePolicy: iam.ciRolePolicy(input),
        instanceRolePolicy: iam.instanceRolePolicy(input),
        instanceRoleManagedPolicyArns: [iam.ssmManagedInstanceCore(input.region)],
      }
      process.stdout.write(`${JSON.stringify(documents, null, 2)}\n`)
    })

  iamOptions(setup.command('cloudformation'))
    .description('print a CloudFormation template: OIDC provider, roles, ECR repositories, SSM document')
    .option('--keep <count>', 'tagged images each repository keeps', '30')
    .option('--untagged-days <days>', 'days before untagged images expire', '7')
    .option('--no-oidc-provider', 'the account already has the GitHub OIDC provider')
    .action(async (flags: IamFlags & { keep: string; untaggedDays: string; oidcProvider: boolean }) => {
      const [{ parseIamFlags, parseLifecycleFlags }, { cloudFormationTemplate }, { deployDocumentContent }] =
        await Promise.all([
          import('./setup/flags.js'),
          import('./setup/cloudformation.js'),
          import('./ssm/document.js'),
        ])
      const template = cloudFormationTemplate({
        iam: parseIamFlags(flags),
        lifecycle: parseLifecycleFlags(flags),
        documentContent: deployDocumentContent(),
        createOidcProvider: flags.oidcProvider,
      })
      process.stdout.write(`${JSON.stringify(template, null, 2)}\n`)
    })

  setup
    .command('lifecycle')
    .description(
      'put an ECR lifecycle policy that bounds storage cost; show the current one and what would expire',
    )
    .requiredOption('--repository <name>', 'ECR repository')
    .option('--keep <count>', 'tagged images to keep', '30')
    .option('--untagged-days <days>', 'days before untagged images expire', '7')
    .option('--dry-run', 'show what would expire without putting the policy')
    .option('--region <region>', 'AWS region (default: AWS_REGION, then the AWS config file)')
    .action(
      async (flags: {
        repository: string
        keep: string
        untaggedDays: string
        dryRun?: boolean
        region?: string
      }) => {
        const region = resolveRegion(
          flags.region,
          process.env,
          await configFileRegion(flags.region, process.env),
        )
        const [
          { parseLifecycleFlags },
          { lifecyclePolicy, previewExpiry },
          { ECRClient },
          { LifecycleStore },
        ] = await Promise.all([
          import('./setup/flags.js'),
          import('./setup/lifecycle.js'),
          import('@aws-sdk/client-ecr'),
          import('./setup/lifecycle-store.js'),
        ])
        const policy = lifecyclePolicy(parseLifecycleFlags(flags))
        const store = new LifecycleStore(new ECRClient({ region }))
        const current = await store.current(flags.repository)
        process.stdout.write(`current policy: ${current ?? '(none)'}\n`)
        const expired = previewExpiry(policy, await store.images(flags.repository), new Date())
        const bytes = expired.reduce((sum, image) => sum + image.sizeBytes, 0)
        process.stdout.write(
          `would expire ${expired.length} image(s), ${(bytes / 1024 / 1024).toFixed(1)} MiB:\n`,
        )
        for (const image of expired) {
          process.stdout.write(
            `  ${image.digest}  ${image.tags.join(',') || '(untagged)'}  pushed ${image.pushedAt.toISOString()}\n`,
          )
        }
        if (flags.dryRun) {
          process.stdout.write('dry run: policy not put\n')
          return
        }
        await store.put(flags.repository, JSON.stringify(policy))
        process.stdout.write(
          `put lifecycle policy on ${flags.repository}: keep ${policy.rules[1]?.selection.countNumber} images, untagged expire after ${policy.rules[0]?.selection.countNumber} days\n`,
        )
      },
    )

  fleetCommand(
    setup,
    'agents',
    'install or upgrade the agent on instances through SSM itself (AWS-RunShellScript)',
    false,
  )
    .option('--agent-version <version>', "agent version to install (default: this controller's)")
    .option(
      '--artefacts <dir>',
      'folder with SHA256SUMS and the tarballs (npm run build:agent writes dist/release)',
    )
    .option('--sha256sums <file>', "the release's SHA256SUMS, when the tarballs are not on this machine")
    .option(
      '--url-base <url>',
      'where the instances download <tarball name> from (default: the GitHub release)',
    )
    .option('--url-x64 <url>', 'the linux-x64 tarball URL itself (e.g. an S3 presigned URL)')
    .option('--url-arm64 <url>', 'the linux-arm64 tarball URL itself')
    .option('--config <file>', 'configuration written where an instance has none (default: a starter file)')
    .option('--restart-proxy', 'restart the blue-green proxy too (drops its established connections)')
    .action(async (flags: FleetFlags & ArtefactFlags & { json?: boolean }) => {
      const [{ setupAgents }, guarded] = await Promise.all([
        import('./setup/setup-agents.js'),
        guardedForCi(),
      ])
      const print = (line: string) => process.stdout.write(guarded(`${line}\n`))
      const fallbackRegion = await configFileRegion(flags.region, process.env)
      setExit(await setupAgents(flags, process.env, clock, print, fallbackRegion))
    })

  return program
}
