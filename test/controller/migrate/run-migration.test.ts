import type { Test } from 'tap'
import t from 'tap'
import type { EcrRepositories, TagMutability } from '../../../controller/ecr/repositories.ts'
import { newRepositoryPolicy, runMigration } from '../../../controller/migrate/run-migration.ts'
import { parseSource } from '../../../controller/migrate/source.ts'
import { HttpRegistry } from '../../../controller/registry/http-registry.ts'
import { MiniRegistry } from '../../support/mini-registry.ts'
import { pushImage, testImage } from '../../support/oci-images.ts'

/** ECR as migrate sees it, recording what it was asked; the registry API is a mini registry. */
class RecordingEcr implements EcrRepositories {
  readonly calls: string[] = []
  readonly #target: HttpRegistry
  readonly #url: string
  exists = false

  constructor(url: string) {
    this.#url = url
    this.#target = new HttpRegistry({ baseUrl: url, host: 'ecr' })
  }

  async ensure(name: string, mutability: TagMutability) {
    this.calls.push(`ensure ${name} ${mutability}`)
    const created = !this.exists
    this.exists = true
    return { created, mutability }
  }

  async tagDigest(name: string, tag: string) {
    return (await this.#target.manifest(name, tag))?.digest
  }

  async login() {
    this.calls.push('login')
    return { url: this.#url, credentials: { username: 'AWS', password: 'unused-by-mini' } }
  }
}

async function setup(t: Test) {
  const source = await new MiniRegistry({ auth: { kind: 'none' } }).start()
  const target = await new MiniRegistry({ auth: { kind: 'none' } }).start()
  t.teardown(() => Promise.all([source.close(), target.close()]))
  const ecr = new RecordingEcr(target.url)
  const policies: string[] = []
  let out = ''
  const deps = {
    ecr,
    putLifecyclePolicy: async (repository: string, text: string) =>
      void policies.push(`${repository} ${text}`),
    env: {},
    out: { write: (text: string) => (out += text) },
    guard: (text: string) => text,
    sleep: async () => {},
  }
  const from = { ...parseSource('docker.io/acme/web'), baseUrl: source.url }
  const options = { from, to: 'shop/web', force: false, jobs: 2, mutability: 'MUTABLE' as const }
  return { source, target, ecr, policies, deps, options, output: () => out }
}

t.test('anonymous Docker Hub is warned about; a new repository gets the lifecycle policy', async (t) => {
  const { source, ecr, policies, deps, options, output } = await setup(t)
  await pushImage(new HttpRegistry({ baseUrl: source.url, host: 'hub' }), 'acme/web', testImage('a'), 'v1')
  const results = await runMigration({ ...options, selection: { pattern: 'v*' } }, deps)
  t.strictSame(
    results.map((r) => r.outcome),
    ['copied'],
  )
  t.match(output(), /^note: no Docker Hub login: anonymous pulls are limited to 10 an hour per address/)
  t.strictSame(ecr.calls, ['ensure shop/web MUTABLE', 'login'])
  t.strictSame(policies, [`shop/web ${newRepositoryPolicy()}`])
  await runMigration({ ...options, selection: { pattern: 'v*' } }, deps)
  t.equal(policies.length, 1, 'an existing repository keeps its policy')
})

t.test('a source that fails is reported before ECR is touched', async (t) => {
  const { ecr, deps, options } = await setup(t)
  await t.rejects(runMigration({ ...options, selection: { all: true } }, deps), {
    name: 'SourceNotFoundError',
  })
  t.strictSame(ecr.calls, [])
})

t.test(
  'several failed tags are one E_MIGRATION_INCOMPLETE naming them; the table still shows all',
  async (t) => {
    const { source, target, deps, options, output } = await setup(t)
    const hub = new HttpRegistry({ baseUrl: source.url, host: 'hub' })
    const ecr = new HttpRegistry({ baseUrl: target.url, host: 'ecr' })
    for (const tag of ['v1', 'v2', 'v3']) await pushImage(hub, 'acme/web', testImage(`new-${tag}`), tag)
    for (const tag of ['v1', 'v2']) await pushImage(ecr, 'shop/web', testImage(`old-${tag}`), tag)
    await t.rejects(runMigration({ ...options, selection: { all: true } }, deps), {
      name: 'MigrationIncompleteError',
      message: '2 of 3 tags were not copied: v1 (E_TAG_CONFLICT), v2 (E_TAG_CONFLICT)',
    })
    t.match(output(), /1 copied, 0 skipped, 2 failed/)
  },
)
