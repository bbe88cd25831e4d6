import { readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { type CloudWatchControls, createCloudWatch } from './cloudwatch.ts'
import { createEcr, type EcrControls } from './ecr.ts'
import { type FaultControls, Faults } from './faults.ts'
import { createImds, type ImdsControls } from './imds.ts'
import { httpRegistryContents, MemoryRegistryContents, type RegistryContents } from './registry-contents.ts'
import { createSecretsManager, type SecretsManagerControls } from './secrets-manager.ts'
import { listen, type RecordedCall } from './server.ts'
import { createSsm, type SsmControls } from './ssm/index.ts'
import { createSts, type StsControls } from './sts.ts'

export type { InjectedError } from './faults.ts'
export { MemoryRegistryContents, type RegistryContents } from './registry-contents.ts'
export type { RecordedCall } from './server.ts'
export type { InstanceSpec } from './ssm/instances.ts'

/** Options of the fake; every field has a default suited to tests. */
export interface FakeAwsOptions {
  /** The real registry ECR answers from (`ca` is a PEM path or PEM text). */
  readonly registry?: { url: string; user: string; password: string; ca?: string }
  /** Or any registry contents (an in-memory one in unit tests); wins over `registry`. */
  readonly contents?: RegistryContents
  /** proxyEndpoint host; default: the registry URL's host, else the ECR host of the account. */
  readonly registryHost?: string
  readonly accountId?: string
  readonly region?: string
  readonly ssm?: { deliveryTimeoutMs?: number; invocationLagMs?: number }
  readonly imds?: { instanceId?: string; roleName?: string; credentialLifetimeMs?: number }
  readonly now?: () => number
}

/** A running fake. `env()` points SDK clients at it; callers add credentials themselves. */
export interface FakeAws {
  readonly endpoint: string
  env(): Record<string, string>
  readonly ssm: SsmControls
  readonly ecr: EcrControls
  readonly cloudwatch: CloudWatchControls
  readonly secretsManager: SecretsManagerControls
  readonly imds: ImdsControls
  readonly sts: StsControls
  readonly faults: FaultControls
  /** Every request received, oldest first, with the access key that signed it. */
  readonly calls: readonly RecordedCall[]
  close(): Promise<void>
}

/** Starts SSM, ECR, CloudWatch (DescribeAlarms), Secrets Manager, IMDSv2 and STS on one 127.0.0.1 port. */
export async function startFakeAws(options: FakeAwsOptions = {}): Promise<FakeAws> {
  const now = options.now ?? Date.now
  const accountId = options.accountId ?? '123456789012'
  const region = options.region ?? 'us-east-1'
  const registry = options.registry
  const ca = registry?.ca === undefined ? undefined : readPem(registry.ca)
  const contents =
    options.contents ??
    (registry === undefined
      ? new MemoryRegistryContents()
      : httpRegistryContents({ ...registry, ...(ca === undefined ? {} : { ca }) }))
  const registryHost =
    options.registryHost ??
    (registry === undefined ? `${accountId}.dkr.ecr.${region}.amazonaws.com` : new URL(registry.url).host)
  const faults = new Faults((ms) => sleep(ms))
  const secretsManager = createSecretsManager({ accountId, region, now })
  const ecr = createEcr({
    accountId,
    region,
    registryHost,
    password: registry?.password ?? 'fake-password',
    contents,
    now,
    secretExists: secretsManager.exists,
  })
  const cloudwatch = createCloudWatch({ accountId, region, now })
  const ssm = createSsm({
    accountId,
    region,
    now,
    alarmState: cloudwatch.controls.alarmState,
    ...options.ssm,
  })
  faults.onInstanceOnline = (id, online) => ssm.controls.setOnline(id, online)
  faults.onDeliveryFailure = (id, failure) => ssm.setDeliveryFailure(id, failure)
  const imds = createImds({
    accountId,
    region,
    instanceId: options.imds?.instanceId ?? 'i-0123456789abcdef0',
    roleName: options.imds?.roleName ?? 'ecr-ssm-deploy-instance',
    credentialLifetimeMs: options.imds?.credentialLifetimeMs ?? 6 * 60 * 60 * 1000,
    now,
  })
  const sts = createSts({ accountId, now })
  const calls: RecordedCall[] = []
  const { server, port } = await listen({
    ssm: ssm.operations,
    ecr: ecr.operations,
    cloudwatch: cloudwatch.operations,
    cloudwatchQuery: cloudwatch.query,
    secretsmanager: secretsManager.operations,
    sts: sts.handle,
    imds: imds.handle,
    expiredKey: (accessKeyId) => imds.expired(accessKeyId),
    faults,
    calls,
    now,
  })
  const endpoint = `http://127.0.0.1:${port}`
  return {
    endpoint,
    env: () => ({
      AWS_ENDPOINT_URL_SSM: endpoint,
      AWS_ENDPOINT_URL_ECR: endpoint,
      AWS_ENDPOINT_URL_CLOUDWATCH: endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
      AWS_ENDPOINT_URL_STS: endpoint,
      // The CLI needs the trailing slash; the SDK accepts either.
      AWS_EC2_METADATA_SERVICE_ENDPOINT: `${endpoint}/`,
      AWS_EC2_METADATA_V1_DISABLED: 'true',
      AWS_REGION: region,
    }),
    ssm: ssm.controls,
    ecr: ecr.controls,
    cloudwatch: cloudwatch.controls,
    secretsManager: secretsManager.controls,
    imds: imds.controls,
    sts: sts.controls,
    faults,
    calls,
    async close() {
      ssm.close()
      await ssm.finished()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** A CA given as PEM text is used as is; anything else is a path to a PEM file. */
function readPem(pemOrPath: string): string {
  return pemOrPath.includes('-----BEGIN') ? pemOrPath : readFileSync(pemOrPath, 'utf8')
}
