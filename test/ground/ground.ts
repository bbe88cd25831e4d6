import { readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** The test images every ground holds; see test/ground/image-recipes.ts for what each one does. */
export type TestImageName = 'v1' | 'v2' | 'unhealthy' | 'crash' | 'noterm' | 'big' | 'other'

/** One pushed test image: `uri` is a byte-for-byte real ECR URI, `digest` what the registry serves. */
export interface GroundImage {
  readonly repository: string
  readonly tag: string
  readonly digest: string
  readonly uri: string
}

/** What the running test ground offers to tests (written by setup.ts, read with {@link loadGround}). */
export interface Ground {
  readonly accountId: '123456789012'
  readonly region: 'us-east-1'
  /** `123456789012.dkr.ecr.us-east-1.amazonaws.com`, served by the TLS registry on 127.0.0.1:443. */
  readonly registryHost: string
  /** `https://` + registryHost. */
  readonly registryUrl: string
  /** An ECR host name that resolves to 127.0.0.2, where nothing listens. */
  readonly downRegistryHost: string
  readonly registryUser: 'AWS'
  /** The basic-auth password; the fake ECR hands it out as its authorization token. */
  readonly registryPassword: string
  /** PEM file of the test CA that signed the registry certificate. */
  readonly caCertPath: string
  readonly dockerSocket: string
  readonly images: Readonly<Record<TestImageName, GroundImage>>
}

export const ACCOUNT_ID = '123456789012'
export const REGION = 'us-east-1'
export const REGISTRY_HOST = `${ACCOUNT_ID}.dkr.ecr.${REGION}.amazonaws.com`
export const DOWN_REGISTRY_HOST = `210987654321.dkr.ecr.${REGION}.amazonaws.com`
export const DOCKER_SOCKET = '/var/run/docker.sock'

/**
 * Shared by every tap run on this machine: port 443 and /etc/hosts are global, so concurrent runs
 * must agree on one ground instead of each starting its own.
 */
export const GROUND_DIR = join(tmpdir(), 'ecr-ssm-deploy-ground')
export const GROUND_FILE = join(GROUND_DIR, 'ground.json')

/**
 * Reads the ground that test/ground/setup.ts started; throws when it is not up, or when it was not
 * brought up for this process or one of its ancestors (the unit set, whose tap run starts no ground,
 * must not use one another run left up).
 */
export function loadGround(): Ground {
  if (!leaseHeldAbove(process.pid)) {
    throw new Error(
      `this test needs the test ground, but no ground was started for this run (no lease in ${GROUND_DIR}/leases). ` +
        'In "npm run test:unit" a test that needs the ground, Docker or a build is listed under exclude in ' +
        'test/unit.taprc; run it with "npx tap <file>" or "npm test", whose .taprc starts test/ground/setup.ts first.',
    )
  }
  let text: string
  try {
    text = readFileSync(GROUND_FILE, 'utf8')
  } catch {
    throw new Error(
      `the test ground is not up: ${GROUND_FILE} is missing. Run tests through tap ("npx tap <file>" or "npm test"), ` +
        'whose .taprc starts test/ground/setup.ts first.',
    )
  }
  const ground = JSON.parse(text) as Ground
  const images = Object.fromEntries(
    Object.entries(ground.images).map(([name, image]) => [name, Object.freeze({ ...image })]),
  ) as Record<TestImageName, GroundImage>
  return Object.freeze({ ...ground, images: Object.freeze(images) })
}

/** True when `pid` or a process above it holds a ground lease (see lease.ts: one file per holder pid). */
function leaseHeldAbove(pid: number): boolean {
  let holders: Set<string>
  try {
    holders = new Set(readdirSync(join(GROUND_DIR, 'leases')))
  } catch {
    return false
  }
  for (let current = pid; current > 1; current = parentOf(current)) {
    if (holders.has(String(current))) return true
  }
  return false
}

/** The parent pid from /proc/<pid>/stat; the command name in brackets may itself hold spaces. */
function parentOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
  } catch {
    return 0
  }
}
