import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { configFileRegion } from '../../controller/config-file-region.ts'
import { parseFleetFlags } from '../../controller/options.ts'
import { buildProgram } from '../../controller/program.ts'
import { exitCodeOf } from '../../shared/errors.ts'

const dir = mkdtempSync(join(tmpdir(), 'config-file-region-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const configFile = join(dir, 'config')
writeFileSync(configFile, '[default]\nregion = ap-south-1\n[profile shop]\nregion = eu-central-1\n')
const noFile = join(dir, 'absent')

/** Runs the body with the SDK's config-file variables set (undefined: unset), then puts them back. */
async function withEnv<T>(vars: Record<string, string | undefined>, body: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((key) => [key, process.env[key]]))
  for (const [key, value] of Object.entries(vars)) {
    if (value === undefined) delete process.env[key]
    else process.env[key] = value
  }
  try {
    return await body()
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key]
      else process.env[key] = value
    }
  }
}

const fleetFlags = {
  service: 'web',
  targets: 'tag:Role=web',
  maxConcurrency: '25%',
  maxErrors: '0',
  timeout: '900',
}

t.test('the AWS config file names the region for the profile in use', async (t) => {
  const base = { AWS_CONFIG_FILE: configFile, AWS_SHARED_CREDENTIALS_FILE: noFile }
  t.equal(await withEnv(base, () => configFileRegion(undefined, {})), 'ap-south-1')
  t.equal(
    await withEnv({ ...base, AWS_PROFILE: 'shop' }, () => configFileRegion(undefined, {})),
    'eu-central-1',
  )
  t.equal(await withEnv(base, () => configFileRegion('us-west-2', {})), undefined, 'the flag wins')
  t.equal(await withEnv(base, () => configFileRegion(undefined, { AWS_REGION: 'us-west-2' })), undefined)
  t.equal(
    await withEnv({ AWS_CONFIG_FILE: noFile, AWS_SHARED_CREDENTIALS_FILE: noFile }, () =>
      configFileRegion(undefined, {}),
    ),
    undefined,
    'no file, no region',
  )
})

t.test('flag, then environment, then the fallback', async (t) => {
  t.equal(parseFleetFlags(fleetFlags, {}, 'ap-south-1').region, 'ap-south-1')
  t.equal(parseFleetFlags(fleetFlags, { AWS_REGION: 'us-east-2' }, 'ap-south-1').region, 'us-east-2')
  t.equal(parseFleetFlags({ ...fleetFlags, region: 'eu-west-1' }, {}, 'ap-south-1').region, 'eu-west-1')
  t.throws(() => parseFleetFlags(fleetFlags, {}), {
    message: 'no AWS region: pass --region, set AWS_REGION, or set region in the AWS config file',
  })
})

t.test('status and the setup commands read the region from the config file', async (t) => {
  // A region the file names but no AWS region matches is refused before any AWS call: proof it was read.
  const badFile = join(dir, 'bad-config')
  writeFileSync(badFile, '[default]\nregion = eu-west-12\n')
  const env = {
    HOME: dir,
    AWS_CONFIG_FILE: badFile,
    AWS_SHARED_CREDENTIALS_FILE: noFile,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_REGION: undefined,
    AWS_DEFAULT_REGION: undefined,
    AWS_PROFILE: undefined,
  }
  const commands = [
    ['status', '--service', 'web', '--targets', 'tag:Role=web'],
    ['rollback', '--environment', 'prod', '--service', 'web', '--targets', 'tag:Role=web'],
    ['history', '--environment', 'prod', '--service', 'web'],
    ['setup', 'document'],
    ['setup', 'lifecycle', '--repository', 'shop/web', '--dry-run'],
  ]
  // The program in this process, as cli.ts runs it: the error it throws is what cli.ts prints and exits with.
  for (const args of commands) {
    const program = buildProgram(() => {})
    const error = await withEnv(env, () => program.parseAsync(['node', 'ecr-deploy', ...args])).then(
      () => undefined,
      (thrown: unknown) => thrown,
    )
    t.equal(exitCodeOf(error), 2, `${args.join(' ')} exits 2`)
    t.match(error, { message: '--region: "eu-west-12" is not an AWS region' }, args.join(' '))
  }
})
