import t from 'tap'
import { type InterruptedInput, planInterrupted } from '../../../agent/deploy/interrupted.ts'
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
const R2: ReleaseRecord = {
  id: 'r2',
  image: `${REPO}@${D2}`,
  digest: D2,
  startedAt: '2026-01-02T00:00:00.000Z',
  result: 'in-progress',
}

function input(overrides: Partial<InterruptedInput> = {}): InterruptedInput {
  return {
    service: 'web',
    pending: R2,
    current: R1,
    containers: [
      { id: 'c1', releaseId: 'r1', running: false },
      { id: 'c2', releaseId: 'r2', running: true },
    ],
    pendingServes: true,
    containerName: 'ecr-deploy-a1-web-r2',
    afterRecreate: [],
    ...overrides,
  }
}

t.test('the pending release up and healthy: commit it, then go on with it as current', async (t) => {
  t.strictSame(planInterrupted(input()), {
    steps: [{ kind: 'commit', releaseId: 'r2' }],
    committed: 'finished by reconcile after an interruption',
    action: 'web: finished the interrupted deploy of release r2',
    afterwards: [],
    continues: true,
  })
})

t.test(
  'not serving, with a previous release: abandon the pending one and go on with the previous',
  async (t) => {
    t.strictSame(planInterrupted(input({ pendingServes: false })), {
      steps: [{ kind: 'abandon', message: 'interrupted; the previous release was kept' }],
      action: 'web: undid the interrupted deploy of release r2',
      afterwards: [],
      continues: true,
    })
  },
)

t.test('a first deploy cut short: re-create the pending release, commit it, then the strategy', async (t) => {
  const { current: _, ...first } = input({
    pendingServes: false,
    afterRecreate: [{ kind: 'route', releaseId: 'r2' }],
  })
  const { ifFailed, ...plan } = planInterrupted(first)
  t.strictSame(plan, {
    steps: [
      { kind: 'remove', containerId: 'c1' },
      { kind: 'remove', containerId: 'c2' },
      { kind: 'start', releaseId: 'r2', image: `${REPO}@${D2}`, name: 'ecr-deploy-a1-web-r2' },
      { kind: 'wait-health', releaseId: 'r2' },
    ],
    committed: 'completed by reconcile after an interruption',
    action: 'web: completed the interrupted first deploy of release r2',
    afterwards: [
      { kind: 'commit', releaseId: 'r2' },
      { kind: 'route', releaseId: 'r2' },
    ],
    continues: false,
  })
  t.equal(
    ifFailed?.recorded('parameter /web/greeting was not found'),
    'interrupted, and could not be completed: parameter /web/greeting was not found',
  )
  t.equal(
    ifFailed?.action('parameter /web/greeting was not found'),
    'web: could not complete the interrupted first deploy of release r2: parameter /web/greeting was not found',
  )
})

t.test('a first deploy whose release is up and healthy is finished like any other', async (t) => {
  const { current: _, ...first } = input()
  t.strictSame(planInterrupted(first).steps, [{ kind: 'commit', releaseId: 'r2' }])
  t.equal(planInterrupted(first).continues, true)
})
