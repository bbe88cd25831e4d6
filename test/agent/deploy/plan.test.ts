import t from 'tap'
import { planRestore } from '../../../agent/deploy/plan.ts'
import { planPrune } from '../../../agent/deploy/prune.ts'
import { planRecreate, type RecreatePlanInput } from '../../../agent/deploy/strategy/recreate.ts'
import type { ReleaseRecord } from '../../../agent/state/ledger.ts'

const REPO = '123456789012.dkr.ecr.us-east-1.amazonaws.com/web'
const D1 = `sha256:${'1'.repeat(64)}`
const D2 = `sha256:${'2'.repeat(64)}`
const R1: ReleaseRecord = {
  id: 'r1',
  image: `${REPO}@${D1}`,
  digest: D1,
  startedAt: '2026-01-01T00:00:00.000Z',
  result: 'deployed',
}

function input(overrides: Partial<RecreatePlanInput> = {}): RecreatePlanInput {
  return {
    containerName: 'ecr-deploy-a1-web-r2',
    stopTimeoutSeconds: 10,
    desired: { releaseId: 'r2', image: `${REPO}@${D2}`, digest: D2, local: false },
    current: R1,
    containers: [{ id: 'c1', releaseId: 'r1', running: true }],
    currentServes: true,
    ...overrides,
  }
}

t.test('upgrade: pull, record intent, stop old, start, health, commit, then remove old', async (t) => {
  t.strictSame(planRecreate(input()), {
    kind: 'switch',
    steps: [
      { kind: 'pull', image: `${REPO}@${D2}` },
      { kind: 'record-intent', releaseId: 'r2' },
      { kind: 'stop', containerId: 'c1', timeoutSeconds: 10 },
      { kind: 'start', releaseId: 'r2', image: `${REPO}@${D2}`, name: 'ecr-deploy-a1-web-r2' },
      { kind: 'wait-health', releaseId: 'r2' },
      { kind: 'commit', releaseId: 'r2' },
      { kind: 'remove', containerId: 'c1' },
    ],
  })
})

t.test('the same digest, running and healthy, is unchanged', async (t) => {
  const same = { releaseId: 'r2', image: `${REPO}@${D1}`, digest: D1, local: true }
  t.strictSame(planRecreate(input({ desired: same })), { kind: 'unchanged', containerId: 'c1' })
})

t.test('the same digest but not serving is redeployed; a local image is not pulled', async (t) => {
  const same = { releaseId: 'r2', image: `${REPO}@${D1}`, digest: D1, local: true }
  const stopped = [
    { id: 'c1', releaseId: 'r1', running: false },
    { id: 'c0', releaseId: 'r0', running: true },
  ]
  t.strictSame(planRecreate(input({ desired: same, containers: stopped })), {
    kind: 'switch',
    steps: [
      { kind: 'record-intent', releaseId: 'r2' },
      { kind: 'stop', containerId: 'c0', timeoutSeconds: 10 },
      { kind: 'start', releaseId: 'r2', image: `${REPO}@${D1}`, name: 'ecr-deploy-a1-web-r2' },
      { kind: 'wait-health', releaseId: 'r2' },
      { kind: 'commit', releaseId: 'r2' },
      { kind: 'remove', containerId: 'c1' },
      { kind: 'remove', containerId: 'c0' },
    ],
  })
  t.equal(planRecreate(input({ desired: same, currentServes: false })).kind, 'switch', 'failing its probe')
})

t.test('first deploy: nothing to stop or remove', async (t) => {
  const { current: _none, ...rest } = input({ containers: [], currentServes: false })
  t.strictSame(planRecreate(rest).kind === 'switch' ? planRecreate(rest) : null, {
    kind: 'switch',
    steps: [
      { kind: 'pull', image: `${REPO}@${D2}` },
      { kind: 'record-intent', releaseId: 'r2' },
      { kind: 'start', releaseId: 'r2', image: `${REPO}@${D2}`, name: 'ecr-deploy-a1-web-r2' },
      { kind: 'wait-health', releaseId: 'r2' },
      { kind: 'commit', releaseId: 'r2' },
    ],
  })
})

t.test('restore removes every container of the service, then re-creates the previous release', async (t) => {
  const containers = [
    { id: 'new', releaseId: 'r2', running: true },
    { id: 'c1', releaseId: 'r1', running: false },
  ]
  t.strictSame(planRestore({ previous: R1, previousContainerName: 'ecr-deploy-a1-web-r1', containers }), [
    { kind: 'remove', containerId: 'new' },
    { kind: 'remove', containerId: 'c1' },
    { kind: 'start', releaseId: 'r1', image: R1.image, name: 'ecr-deploy-a1-web-r1' },
    { kind: 'wait-health', releaseId: 'r1' },
  ])
  t.strictSame(planRestore({ previousContainerName: 'x', containers: containers.slice(0, 1) }), [
    { kind: 'remove', containerId: 'new' },
  ])
})

t.test('prune keeps the newest `keep`, and never a protected or used image', async (t) => {
  const image = (id: string, created: number, digest?: string) => ({
    id,
    created,
    repoTags: [],
    repoDigests: digest ? [`${REPO}@${digest}`] : [],
  })
  const images = [
    image('i1', 1, D1),
    image('i2', 2, D2),
    image('i3', 3),
    image('i4', 4),
    image('i5', 5),
    image('i6', 6),
  ]
  const removed = planPrune({
    repository: REPO,
    images,
    protectedDigests: [D1, D2],
    recentDigests: [],
    inUse: ['i3'],
    keep: 3,
  })
  t.strictSame(
    removed.map((i) => i.id),
    [],
    'i4-i6 newest, i3 used, i1/i2 protected',
  )
  const more = planPrune({
    repository: REPO,
    images,
    protectedDigests: [D2],
    recentDigests: [],
    inUse: [],
    keep: 2,
  })
  t.strictSame(
    more.map((i) => i.id),
    ['i4', 'i3', 'i1'],
  )
})

t.test('prune ranks by how recently the service deployed an image, not by build time', async (t) => {
  const D3 = `sha256:${'3'.repeat(64)}`
  const image = (id: string, created: number, digest: string) => ({
    id,
    created,
    repoTags: [],
    repoDigests: [`${REPO}@${digest}`],
  })
  const images = [image('old-build', 1, D1), image('mid', 2, D2), image('new-build', 3, D3)]
  const removed = planPrune({
    repository: REPO,
    images,
    protectedDigests: [],
    recentDigests: [D1, D2, D3],
    inUse: [],
    keep: 2,
  })
  t.strictSame(
    removed.map((i) => i.id),
    ['new-build'],
  )
})

t.test(
  'moving from blue-green: the proxy gives up its routes after the old release stops, before the new one starts',
  async (t) => {
    t.strictSame(planRecreate(input({ proxyRoutes: ['web/8080'] })), {
      kind: 'switch',
      steps: [
        { kind: 'pull', image: `${REPO}@${D2}` },
        { kind: 'record-intent', releaseId: 'r2' },
        { kind: 'stop', containerId: 'c1', timeoutSeconds: 10 },
        { kind: 'unroute', names: ['web/8080'] },
        { kind: 'start', releaseId: 'r2', image: `${REPO}@${D2}`, name: 'ecr-deploy-a1-web-r2' },
        { kind: 'wait-health', releaseId: 'r2' },
        { kind: 'commit', releaseId: 'r2' },
        { kind: 'remove', containerId: 'c1' },
      ],
    })
    const same = { releaseId: 'r2', image: `${REPO}@${D1}`, digest: D1, local: true }
    t.equal(
      planRecreate(input({ desired: same, proxyRoutes: ['web/8080'] })).kind,
      'switch',
      'the same digest still moves off the proxy',
    )
  },
)
