import type { Test } from 'tap'
import t from 'tap'
import { decideTag } from '../../../controller/migrate/decide.ts'
import { migrateTags, type TagResult, type TagsToCopy } from '../../../controller/migrate/migrate-tags.ts'
import { PullPacer } from '../../../controller/migrate/pull-pacer.ts'
import { selectTags, tagSelection } from '../../../controller/migrate/tag-filter.ts'
import { HttpRegistry } from '../../../controller/registry/http-registry.ts'
import type { Registry } from '../../../controller/registry/registry.ts'
import { TagConflictError } from '../../../shared/errors.ts'
import { MiniRegistry } from '../../support/mini-registry.ts'
import { pushImage, pushIndex, testImage, testIndex } from '../../support/oci-images.ts'

const A = `sha256:${'a'.repeat(64)}`
const B = `sha256:${'b'.repeat(64)}`

t.test(
  'decideTag: copy a new tag, skip the same digest, refuse a different one unless forced and mutable',
  async (t) => {
    const base = { tag: 'v1', repository: 'shop/web', sourceDigest: A, mutable: true, force: false }
    t.strictSame(decideTag({ ...base, targetDigest: undefined }), { action: 'copy' })
    t.strictSame(decideTag({ ...base, targetDigest: A, mutable: false }), { action: 'skip' })
    t.strictSame(decideTag({ ...base, targetDigest: B }), {
      action: 'refuse',
      error: new TagConflictError(
        `shop/web:v1 differs: ECR holds ${B}, the source has ${A}; pass --force to move it`,
      ),
    })
    t.strictSame(decideTag({ ...base, targetDigest: B, force: true }), { action: 'copy' })
    t.strictSame(decideTag({ ...base, targetDigest: B, force: true, mutable: false }), {
      action: 'refuse',
      error: new TagConflictError(
        `shop/web:v1 is an immutable tag: ECR holds ${B}, the source has ${A}; it cannot be moved, even with --force`,
      ),
    })
  },
)

t.test('tag selection: a pattern, all tags, and a pattern matching none', async (t) => {
  t.strictSame(
    selectTags(['v2', 'latest', 'v1', 'v10'], tagSelection({ tags: 'v?' }), 'docker.io/acme/web'),
    ['v1', 'v2'],
  )
  t.strictSame(selectTags(['b', 'a'], tagSelection({ allTags: true }), 'x'), ['a', 'b'])
  t.throws(() => selectTags(['v1'], tagSelection({ tags: 'v9' }), 'docker.io/acme/web'), {
    name: 'SourceNotFoundError',
    message: 'docker.io/acme/web has no tag matching "v9" (it has: v1)',
  })
  t.throws(() => tagSelection({}), { name: 'UsageError' })
  t.throws(() => tagSelection({ tags: 'v*', allTags: true }), { name: 'UsageError' })
})

/** A source and a target mini registry with clients, and a migration input over them. */
async function pair(t: Test) {
  const sourceServer = await new MiniRegistry({ auth: { kind: 'none' } }).start()
  const targetServer = await new MiniRegistry({ auth: { kind: 'none' } }).start()
  t.teardown(() => Promise.all([sourceServer.close(), targetServer.close()]))
  const source = new HttpRegistry({ baseUrl: sourceServer.url, host: 'docker.io' })
  const target = new HttpRegistry({ baseUrl: targetServer.url, host: 'ecr' })
  const input = (tags: string[], over: Partial<TagsToCopy> = {}, to: Registry = target): TagsToCopy => ({
    route: { source, sourceRepository: 'acme/web', target: to, targetRepository: 'shop/web' },
    sourceName: 'docker.io/acme/web',
    tags,
    mutable: true,
    force: false,
    jobs: 2,
    targetDigest: async (tag) => (await target.manifest('shop/web', tag))?.digest,
    events: { started: () => {}, bytes: () => {}, finished: () => {} },
    ...over,
  })
  return { sourceServer, targetServer, source, target, input }
}

const outcomes = (results: TagResult[]) =>
  results.map((r) => `${r.tag} ${r.outcome}${r.error ? ` ${r.error.code}` : ''}`)

t.test('an index is copied whole and byte for byte; a re-run copies nothing', async (t) => {
  const { source, target, targetServer, input } = await pair(t)
  const multi = testIndex('web')
  await pushIndex(source, 'acme/web', multi, 'v1')
  const single = testImage('solo')
  await pushImage(source, 'acme/web', single, 'v2')
  let bytes = 0
  const first = await migrateTags(
    input(['v1', 'v2'], {
      events: {
        started: () => {},
        bytes: (n) => {
          bytes += n
        },
        finished: () => {},
      },
    }),
  )
  t.strictSame(outcomes(first), ['v1 copied', 'v2 copied'])
  const copied = await target.manifest('shop/web', 'v1')
  t.equal(copied?.digest, multi.index.digest, 'the index keeps its digest')
  t.ok(copied?.bytes.equals(multi.index.bytes))
  for (const platform of multi.platforms) {
    t.ok((await target.manifest('shop/web', platform.manifest.digest))?.bytes.equals(platform.manifest.bytes))
  }
  const blobBytes = [...multi.platforms, single].flatMap((i) => i.blobs).reduce((sum, b) => sum + b.length, 0)
  t.equal(
    first.reduce((sum, r) => sum + r.bytes, 0),
    blobBytes,
    'bytes reported are the blobs uploaded',
  )
  t.equal(bytes, blobBytes, 'the progress saw every byte')

  const before = targetServer.requests.length
  const again = await migrateTags(input(['v1', 'v2']))
  t.strictSame(outcomes(again), ['v1 skipped', 'v2 skipped'])
  t.strictSame(
    targetServer.requests.slice(before).filter((r) => r.method !== 'GET' && r.method !== 'HEAD'),
    [],
    'nothing written on a re-run',
  )
})

t.test('a different digest is refused without --force, moved with it; an immutable tag never', async (t) => {
  const { source, target, input } = await pair(t)
  const old = testImage('old')
  const fresh = testImage('new')
  await pushImage(target, 'shop/web', old, 'v1')
  await pushImage(source, 'acme/web', fresh, 'v1')
  const [refused] = await migrateTags(input(['v1']))
  t.match(
    refused?.error?.message,
    `ECR holds ${old.manifest.digest}, the source has ${fresh.manifest.digest}`,
  )
  t.equal((await target.manifest('shop/web', 'v1'))?.digest, old.manifest.digest, 'not moved')
  const [immutable] = await migrateTags(input(['v1'], { force: true, mutable: false }))
  t.match(immutable?.error?.message, /immutable tag/)
  t.equal((await target.manifest('shop/web', 'v1'))?.digest, old.manifest.digest, 'not moved')
  const [forced] = await migrateTags(input(['v1'], { force: true }))
  t.equal(forced?.outcome, 'copied')
  t.equal((await target.manifest('shop/web', 'v1'))?.digest, fresh.manifest.digest)
})

t.test('an interrupted copy leaves no tag, and the re-run uploads only what is missing', async (t) => {
  const { source, target, targetServer, input } = await pair(t)
  const multi = testIndex('web')
  await pushIndex(source, 'acme/web', multi, 'v1')
  // The target fails the second platform's manifest: the first platform is in, the tag is not.
  let puts = 0
  const failing: Registry = {
    ...bound(target),
    putManifest: async (repository, reference, manifest) => {
      puts += 1
      if (puts === 2) throw new Error('connection reset')
      return target.putManifest(repository, reference, manifest)
    },
  }
  const [broken] = await migrateTags(input(['v1'], {}, failing))
  t.equal(broken?.outcome, 'failed')
  t.match(broken?.error?.message, 'copying docker.io/acme/web:v1: connection reset')
  t.equal(await target.manifest('shop/web', 'v1'), undefined, 'no half-copied tag')
  const uploadsBefore = targetServer.requests.filter((r) => r.method === 'PATCH').length
  t.equal(uploadsBefore, 4, 'both platforms’ blobs were uploaded before the failure')
  const [resumed] = await migrateTags(input(['v1']))
  t.equal(resumed?.outcome, 'copied')
  t.equal(resumed?.bytes, 0, 'no blob uploaded again')
  t.equal(targetServer.requests.filter((r) => r.method === 'PATCH').length, uploadsBefore)
  t.equal((await target.manifest('shop/web', 'v1'))?.digest, multi.index.digest)
})

t.test('a listed tag that has gone from the source fails alone, naming it', async (t) => {
  const { source, input } = await pair(t)
  await pushImage(source, 'acme/web', testImage('x'), 'v1')
  const results = await migrateTags(input(['v1', 'v9']))
  t.strictSame(outcomes(results), ['v1 copied', 'v9 failed E_SOURCE_NOT_FOUND'])
  t.equal(results[1]?.error?.message, 'docker.io/acme/web:v9 does not exist')
})

t.test('the pacer slows pulls once a tenth of the limit is left, and says so once', async (t) => {
  const slept: number[] = []
  const notes: string[] = []
  const pacer = new PullPacer(
    async (ms) => void slept.push(ms),
    (note) => notes.push(note),
  )
  await pacer.beforePull()
  pacer.observe({ limit: 100, remaining: 50, windowSeconds: 21600 })
  await pacer.beforePull()
  t.strictSame(slept, [], 'no pause with room left')
  pacer.observe({ limit: 100, remaining: 10, windowSeconds: 21600 })
  await pacer.beforePull()
  await pacer.beforePull()
  t.strictSame(slept, [216_000, 216_000])
  t.strictSame(notes, ['the source allows 10 more of 100 pulls in 6 h: slowing to one pull every 216 s'])
})

function bound(registry: Registry): Registry {
  return {
    host: registry.host,
    tags: (r) => registry.tags(r),
    manifest: (r, ref) => registry.manifest(r, ref),
    hasManifest: (r, d) => registry.hasManifest(r, d),
    putManifest: (r, ref, m) => registry.putManifest(r, ref, m),
    hasBlob: (r, d) => registry.hasBlob(r, d),
    readBlob: (r, d) => registry.readBlob(r, d),
    writeBlob: (r, d, open, from) => registry.writeBlob(r, d, open, from),
  }
}
