import t from 'tap'
import {
  abandonRelease,
  beginRelease,
  commitRelease,
  emptyLedger,
  findRelease,
  HISTORY_LIMIT,
  nextReleaseId,
  type ReleaseRecord,
} from '../../../agent/state/ledger.ts'

const IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/web'

function release(id: string, result: ReleaseRecord['result']): ReleaseRecord {
  const digest = `sha256:${id.slice(1).padStart(64, '0')}`
  return { id, image: `${IMAGE}@${digest}`, digest, startedAt: '2026-01-01T00:00:00.000Z', result }
}

t.test('begin, commit and abandon move current, previous and pending exactly', async (t) => {
  let ledger = emptyLedger('web')
  t.equal(nextReleaseId(ledger), 'r1')
  ledger = beginRelease(ledger, release('r1', 'in-progress'))
  t.strictSame(ledger, {
    service: 'web',
    nextSequence: 2,
    pending: release('r1', 'in-progress'),
    history: [release('r1', 'in-progress')],
  })
  ledger = commitRelease(ledger, release('r1', 'deployed'))
  t.strictSame(ledger, {
    service: 'web',
    nextSequence: 2,
    current: release('r1', 'deployed'),
    history: [release('r1', 'deployed')],
  })
  ledger = commitRelease(beginRelease(ledger, release('r2', 'in-progress')), release('r2', 'deployed'))
  t.strictSame(ledger, {
    service: 'web',
    nextSequence: 3,
    current: release('r2', 'deployed'),
    previous: release('r1', 'deployed'),
    history: [release('r1', 'deployed'), release('r2', 'deployed')],
  })
  ledger = abandonRelease(beginRelease(ledger, release('r3', 'in-progress')), release('r3', 'failed'))
  t.strictSame(ledger, {
    service: 'web',
    nextSequence: 4,
    current: release('r2', 'deployed'),
    previous: release('r1', 'deployed'),
    history: [release('r1', 'deployed'), release('r2', 'deployed'), release('r3', 'failed')],
  })
  t.equal(findRelease(ledger, 'r1')?.id, 'r1')
  t.equal(findRelease(ledger, 'r3'), undefined, 'a failed release is no rollback target')
})

t.test('history is capped, oldest dropped; ids keep increasing', async (t) => {
  let ledger = emptyLedger('web')
  for (let i = 1; i <= HISTORY_LIMIT + 5; i++) {
    const id = nextReleaseId(ledger)
    ledger = commitRelease(beginRelease(ledger, release(id, 'in-progress')), release(id, 'deployed'))
  }
  t.equal(ledger.history.length, HISTORY_LIMIT)
  t.equal(ledger.history[0]?.id, 'r6')
  t.equal(nextReleaseId(ledger), `r${HISTORY_LIMIT + 6}`)
})
