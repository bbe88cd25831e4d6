/**
 * tap `after` hook: gives up this run's lease on the shared test ground, and stops what the
 * ground started when no other tap run still holds a lease.
 */
import { GROUND_DIR } from './ground.ts'
import { stopStartedParts } from './ground-state.ts'
import { openLeaseBook } from './lease.ts'

const book = openLeaseBook(GROUND_DIR)
await book.withLock(300_000, async () => {
  book.release(process.ppid)
  const others = book.liveHolders()
  if (others.length > 0) {
    process.stderr.write(`test ground left up for ${others.length} other tap run(s)\n`)
    return
  }
  await stopStartedParts()
  process.stderr.write('test ground stopped\n')
})
