import t from 'tap'
import { type BlueGreenPlanInput, planBlueGreen } from '../../../agent/deploy/strategy/blue-green.ts'
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

function input(overrides: Partial<BlueGreenPlanInput> = {}): BlueGreenPlanInput {
  return {
    containerName: 'ecr-deploy-a1-web-r2',
    stopTimeoutSeconds: 10,
    drainTimeoutSeconds: 30,
    desired: { releaseId: 'r2', image: `${REPO}@${D2}`, digest: D2, local: false },
    current: R1,
    containers: [{ id: 'c1', releaseId: 'r1', running: true }],
    currentServes: true,
    ...overrides,
  }
}

t.test(
  'upgrade: the new release starts beside the old, is routed once healthy, then the old drains',
  async (t) => {
    t.strictSame(planBlueGreen(input()), {
      kind: 'switch',
      steps: [
        { kind: 'pull', image: `${REPO}@${D2}` },
        { kind: 'record-intent', releaseId: 'r2' },
        { kind: 'start', releaseId: 'r2', image: `${REPO}@${D2}`, name: 'ecr-deploy-a1-web-r2' },
        { kind: 'wait-health', releaseId: 'r2' },
        { kind: 'route', releaseId: 'r2' },
        { kind: 'commit', releaseId: 'r2' },
        { kind: 'drain', containerId: 'c1', timeoutSeconds: 30 },
        { kind: 'stop', containerId: 'c1', timeoutSeconds: 10 },
        { kind: 'remove', containerId: 'c1' },
      ],
    })
  },
)

t.test('nothing of the old release is stopped before the route step', async (t) => {
  const plan = planBlueGreen(
    input({
      containers: [
        { id: 'c1', releaseId: 'r1', running: true },
        { id: 'c0', releaseId: 'r0', running: false },
      ],
    }),
  )
  t.equal(plan.kind, 'switch')
  const steps = plan.kind === 'switch' ? plan.steps : []
  const routeAt = steps.findIndex((s) => s.kind === 'route')
  const firstStop = steps.findIndex((s) => s.kind === 'stop' || s.kind === 'remove' || s.kind === 'drain')
  t.ok(routeAt > 0 && firstStop > routeAt, 'route comes before any drain, stop or remove')
  t.strictSame(
    steps.slice(firstStop),
    [
      { kind: 'drain', containerId: 'c1', timeoutSeconds: 30 },
      { kind: 'stop', containerId: 'c1', timeoutSeconds: 10 },
      { kind: 'remove', containerId: 'c1' },
      { kind: 'remove', containerId: 'c0' },
    ],
    'a stopped leftover is removed without a drain',
  )
})

t.test('first deploy with a local image: no pull, nothing to drain', async (t) => {
  const desired = { releaseId: 'r1', image: `${REPO}@${D1}`, digest: D1, local: true }
  const { current: _none, ...first } = input({ desired, containers: [], currentServes: false })
  t.strictSame(planBlueGreen(first), {
    kind: 'switch',
    steps: [
      { kind: 'record-intent', releaseId: 'r1' },
      { kind: 'start', releaseId: 'r1', image: `${REPO}@${D1}`, name: 'ecr-deploy-a1-web-r2' },
      { kind: 'wait-health', releaseId: 'r1' },
      { kind: 'route', releaseId: 'r1' },
      { kind: 'commit', releaseId: 'r1' },
    ],
  })
})

t.test('the same digest already serving is unchanged, as with recreate', async (t) => {
  const desired = { releaseId: 'r2', image: `${REPO}@${D1}`, digest: D1, local: true }
  t.strictSame(planBlueGreen(input({ desired })), { kind: 'unchanged', containerId: 'c1' })
  t.equal(planBlueGreen(input({ desired, currentServes: false })).kind, 'switch', 'unless it does not serve')
})

t.test(
  'moving from recreate: the container holding the public port stops only once the new one is healthy, just before the route',
  async (t) => {
    const holder = { id: 'c1', releaseId: 'r1', running: true, holdsPublicPort: true }
    t.strictSame(planBlueGreen(input({ containers: [holder] })), {
      kind: 'switch',
      steps: [
        { kind: 'pull', image: `${REPO}@${D2}` },
        { kind: 'record-intent', releaseId: 'r2' },
        { kind: 'start', releaseId: 'r2', image: `${REPO}@${D2}`, name: 'ecr-deploy-a1-web-r2' },
        { kind: 'wait-health', releaseId: 'r2' },
        { kind: 'stop', containerId: 'c1', timeoutSeconds: 10 },
        { kind: 'route', releaseId: 'r2' },
        { kind: 'commit', releaseId: 'r2' },
        { kind: 'remove', containerId: 'c1' },
      ],
    })
  },
)

t.test(
  'moving from recreate with the same digest still moves: a new container behind the proxy',
  async (t) => {
    const desired = { releaseId: 'r2', image: `${REPO}@${D1}`, digest: D1, local: true }
    const holder = { id: 'c1', releaseId: 'r1', running: true, holdsPublicPort: true }
    const plan = planBlueGreen(input({ desired, containers: [holder] }))
    t.equal(plan.kind, 'switch')
    t.ok(
      plan.kind === 'switch' && plan.steps.some((step) => step.kind === 'route'),
      'the new container is routed',
    )
  },
)
