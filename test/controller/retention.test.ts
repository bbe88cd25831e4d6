import t from 'tap'
import { deployRelease } from '../../controller/deploy.ts'
import type { DeployedTag, ImageAvailability, ImageRetention } from '../../controller/ecr/retention.ts'
import type { DeployOptions } from '../../controller/options.ts'
import { parseKeepDeployed, tagsBeyondWindow } from '../../controller/retention.ts'
import { rollbackRelease } from '../../controller/rollback.ts'
import {
  ExitCode,
  exitCodeOf,
  ImageUnavailableError,
  ScanRefusedError,
  UsageError,
} from '../../shared/errors.ts'
import { type ImageRef, parseImageRef, withDigest } from '../../shared/image-ref.ts'
import { releaseText } from '../../shared/release.ts'
import { releaseFleet, steppingClock } from '../support/release-fleet.ts'

const NAME = '/ecr-deploy/prod/web'
const REPO = '123456789012.dkr.ecr.us-east-1.amazonaws.com/web'
const digest = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`
const pinned = (n: number) => `${REPO}@${digest(n)}`
const ORIGIN = { actor: 'octocat' }
const A = 'i-0000000000000000a'
const PREFIX = 'deployed-prod.web.'

function options(extra: Partial<DeployOptions> = {}): DeployOptions {
  return {
    environment: 'prod',
    service: 'web',
    image: parseImageRef(`${REPO}:v2`),
    targeting: { kind: 'targets', targets: [{ key: 'tag:Role', values: ['web'] }] },
    maxConcurrency: '1',
    maxErrors: '0',
    timeoutSeconds: 60,
    documentName: 'ecr-ssm-deploy',
    region: 'us-east-1',
    origin: ORIGIN,
    ...extra,
  }
}

const record = (n: number, state: 'stable' | 'rolling', replaces?: number) =>
  releaseText({
    format: 1,
    environment: 'prod',
    service: 'web',
    image: pinned(n),
    spec: {},
    state,
    ...(replaces === undefined ? {} : { replaces: { version: replaces, image: pinned(n - 1) } }),
    origin: { ...ORIGIN, createdAt: '2026-03-01T12:00:00.000Z' },
  })

/** An ECR that keeps tags in memory, with each image's availability as the test sets it. */
class MemoryRetention implements ImageRetention {
  readonly tags = new Map<string, string>()
  readonly status = new Map<string, ImageAvailability>()
  readonly calls: string[] = []
  failTag = false
  async availability(image: ImageRef) {
    this.calls.push(`availability ${image.digest}`)
    return this.status.get(image.digest ?? '') ?? 'active'
  }
  async tag(image: ImageRef, tag: string) {
    this.calls.push(`tag ${tag}`)
    if (this.failTag) throw new Error('PutImage (web) was refused: AccessDeniedException')
    this.tags.set(tag, image.digest ?? '')
  }
  async tagged(_image: ImageRef, prefix: string): Promise<DeployedTag[]> {
    return [...this.tags].filter(([tag]) => tag.startsWith(prefix)).map(([tag, d]) => ({ tag, digest: d }))
  }
  async untag(_image: ImageRef, tags: readonly string[]) {
    this.calls.push(`untag ${tags.join(',')}`)
    for (const tag of tags) this.tags.delete(tag)
  }
}

function setup(versions: readonly string[], answer: 'deployed' | 'failed' = 'deployed') {
  const f = releaseFleet([A], () => answer)
  if (versions.length > 0) f.parameters.set(NAME, [...versions])
  const retention = new MemoryRetention()
  const notes: string[] = []
  const deps = {
    registry: { resolve: async (ref: ImageRef) => withDigest(ref, digest(2)) },
    fleet: f.api,
    clock: steppingClock(),
    retention,
    note: (text: string) => notes.push(text),
  }
  return { ...f, deps, retention, notes }
}

t.test('the window keeps the newest versions of one environment and service, and only those', async (t) => {
  const existing = [
    { tag: `${PREFIX}2`, digest: 'a' },
    { tag: `${PREFIX}10`, digest: 'b' },
    { tag: `${PREFIX}4`, digest: 'a' },
    { tag: 'deployed-prod.web-api.1', digest: 'c' },
    { tag: `${PREFIX}x`, digest: 'd' },
  ]
  t.strictSame(tagsBeyondWindow(existing, PREFIX, `${PREFIX}12`, 3), [`${PREFIX}2`])
  t.strictSame(tagsBeyondWindow(existing, PREFIX, `${PREFIX}12`, 2), [`${PREFIX}4`, `${PREFIX}2`])
  t.strictSame(tagsBeyondWindow(existing, PREFIX, `${PREFIX}12`, 10), [])
  t.equal(parseKeepDeployed(undefined), 10)
  t.throws(
    () => parseKeepDeployed('1'),
    new UsageError(
      '--keep-deployed: "1" is not a whole number from 2 to 1000: the stable release and the one it replaced are always kept',
    ),
  )
})

t.test(
  'a release that became stable tags its digest by the stable version and prunes the rest',
  async (t) => {
    const f = setup([])
    f.retention.tags.set(`${PREFIX}1`, digest(9))
    f.retention.tags.set(`${PREFIX}0`, digest(9))
    const report = await deployRelease(f.deps, options({ keepDeployed: 2 }))
    t.equal(report.state, 'stable')
    t.equal(f.retention.tags.get(`${PREFIX}2`), digest(2), 'version 2 is the stable mark')
    t.strictSame([...f.retention.tags.keys()].sort(), [`${PREFIX}1`, `${PREFIX}2`])
    t.strictSame(f.notes, [`tagged ${pinned(2)} as ${PREFIX}2; removed 1 older tag(s) beyond the last 2`])
  },
)

t.test('an aborted release is not tagged; a failed tag is a warning and the deploy stands', async (t) => {
  const aborted = setup([], 'failed')
  await deployRelease(aborted.deps, options()).catch(() => undefined)
  t.notOk(aborted.retention.calls.some((c) => c.startsWith('tag ')))

  const f = setup([])
  f.retention.failTag = true
  const report = await deployRelease(f.deps, options())
  t.equal(report.state, 'stable')
  t.strictSame(f.notes, [
    `warning: the release is stable, but tagging its image ${PREFIX}2 failed, so the lifecycle policy does not protect it: PutImage (web) was refused: AccessDeniedException`,
  ])
})

t.test(
  'rollback refuses an archived or deleted image with exit 2, writing and sending nothing',
  async (t) => {
    for (const [status, why] of [
      ['archived', 'is archived in ECR: instances cannot pull it until it is restored (about 20 minutes)'],
      [
        'gone',
        'is not in ECR as an image that can be pulled: deleted, expired by a lifecycle policy, or archived',
      ],
    ] as const) {
      const f = setup([
        record(1, 'rolling'),
        record(1, 'stable'),
        record(2, 'rolling', 2),
        record(2, 'stable', 2),
      ])
      f.retention.status.set(digest(1), status)
      const error = await rollbackRelease(f.deps, options()).catch((e: unknown) => e)
      t.strictSame(
        error,
        new ImageUnavailableError(
          `rollback to version 2 of ${NAME}: ${pinned(1)} ${why}; nothing was written or sent: restore it (aws ecr update-image-storage-class --target-storage-class STANDARD) and run this again, or choose a release whose image ECR still holds`,
        ),
      )
      t.equal(exitCodeOf(error), ExitCode.usage)
      t.equal(f.parameters.get(NAME)?.length, 4, 'nothing written')
      t.strictSame(f.sent, [], 'nothing sent')
    }
  },
)

t.test('deploy warns when the stable release it would fall back to is archived, and goes on', async (t) => {
  const f = setup([record(1, 'rolling'), record(1, 'stable')])
  f.retention.status.set(digest(1), 'archived')
  const report = await deployRelease(f.deps, options())
  t.equal(report.state, 'stable')
  t.equal(
    f.notes[0],
    `warning: if this deploy fails, version 2 cannot be restored: ${pinned(1)} is archived in ECR: instances cannot pull it until it is restored (about 20 minutes)`,
  )
})

t.test('the scan gate runs before anything is written or sent', async (t) => {
  const f = setup([])
  const scans = { report: async () => ({ kind: 'none' as const }) }
  const error = await deployRelease(
    { ...f.deps, scans },
    options({ scanGate: { maxSeverity: 'HIGH', timeoutSeconds: 0, allowUnscanned: false } }),
  ).catch((e: unknown) => e)
  t.ok(error instanceof ScanRefusedError)
  t.equal(f.parameters.get(NAME), undefined, 'nothing written')
  t.strictSame(f.sent, [])
})
