import t from 'tap'
import { planBlueGreenRepair, planBlueGreenUndo } from '../../../agent/deploy/strategy/blue-green.ts'
import type { ReleaseRecord } from '../../../agent/state/ledger.ts'
import { parseConfig } from '../../../shared/agent-config/parse.ts'

const REPO = '123456789012.dkr.ecr.us-east-1.amazonaws.com/web'
const R1: ReleaseRecord = {
  id: 'r1',
  image: `${REPO}@sha256:${'1'.repeat(64)}`,
  digest: `sha256:${'1'.repeat(64)}`,
  startedAt: '2026-01-01T00:00:00.000Z',
  result: 'deployed',
}
const R2: ReleaseRecord = { ...R1, id: 'r2', result: 'in-progress' }
const timeouts = { stopTimeoutSeconds: 10, drainTimeoutSeconds: 30 }
const service = parseConfig(
  `agentId: a1
services:
  web:
    repository: ${REPO}
    strategy: blue-green
    ports: ["8080:8080"]
`,
  'agent.yaml',
  'unused',
).services.web

t.test('repair of a serving release: route to it, drain and stop the others, then remove them', async (t) => {
  const serving = { id: 'c2', releaseId: 'r2', running: true }
  const containers = [
    { id: 'c1', releaseId: 'r1', running: true },
    serving,
    { id: 'c0', releaseId: 'r0', running: false },
  ]
  t.strictSame(planBlueGreenRepair({ current: R2, serving, containers }, timeouts), [
    { kind: 'route', releaseId: 'r2' },
    { kind: 'drain', containerId: 'c1', timeoutSeconds: 30 },
    { kind: 'stop', containerId: 'c1', timeoutSeconds: 10 },
    { kind: 'remove', containerId: 'c1' },
    { kind: 'remove', containerId: 'c0' },
  ])
})

t.test(
  'repair of an interrupted move from recreate: the port holder is stopped before the route',
  async (t) => {
    const serving = { id: 'c2', releaseId: 'r2', running: true }
    const holder = { id: 'c1', releaseId: 'r1', running: true, holdsPublicPort: true }
    t.strictSame(planBlueGreenRepair({ current: R2, serving, containers: [holder, serving] }, timeouts), [
      { kind: 'stop', containerId: 'c1', timeoutSeconds: 10 },
      { kind: 'route', releaseId: 'r2' },
      { kind: 'remove', containerId: 'c1' },
    ])
  },
)

t.test(
  'repair leaves a release that holds the port itself alone, but for the other containers',
  async (t) => {
    const serving = { id: 'c1', releaseId: 'r1', running: true, holdsPublicPort: true }
    const stale = { id: 'c0', releaseId: 'r0', running: false }
    t.strictSame(planBlueGreenRepair({ current: R1, serving, containers: [serving, stale] }, timeouts), [
      { kind: 'remove', containerId: 'c0' },
    ])
  },
)

t.test(
  'undo: the old release kept serving, so the new container goes and the proxy points back',
  async (t) => {
    if (!service) throw new Error('no web service')
    const undo = planBlueGreenUndo(service, {
      agentId: 'a1',
      release: R2,
      previous: R1,
      reason: 'boom',
      containerId: 'c2',
      stopped: [],
    })
    t.strictSame(undo.steps, [
      { kind: 'remove', containerId: 'c2' },
      { kind: 'route', releaseId: 'r1' },
    ])
    t.equal(undo.recorded, 'boom; r1 kept serving')
    t.equal(undo.ifFailed, undefined, 'a failed clean-up is only logged')
  },
)

t.test(
  'undo of a move from recreate: the proxy gives the port up and the old container starts again',
  async (t) => {
    if (!service) throw new Error('no web service')
    const undo = planBlueGreenUndo(service, {
      agentId: 'a1',
      release: R2,
      previous: R1,
      reason: 'boom',
      containerId: 'c2',
      stopped: ['c1'],
    })
    t.strictSame(undo.steps, [
      { kind: 'unroute', names: ['web/8080'] },
      { kind: 'remove', containerId: 'c2' },
      { kind: 'resume', containerId: 'c1' },
    ])
    t.equal(undo.recorded, 'boom; r1 was started again')
    t.equal(undo.ifFailed?.recorded('no such container'), 'boom; restarting r1 failed: no such container')
  },
)
