import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { setTimeout as sleep } from 'node:timers/promises'
import { startLoad } from '../../support/http-load.ts'

/*
 * The load of one path measurement, run inside the bench's network namespace by outside-client.ts:
 * says `ready`, starts on a `go` line from stdin (so that process start-up is outside the measurement),
 * loads `host:port` for `ms` and prints its figures as one JSON line.
 */
const [host = '', port = '0', clients = '8', ms = '4000'] = process.argv.slice(2)
const lines = createInterface({ input: process.stdin })
process.stdout.write('ready\n')
await once(lines, 'line')
const load = startLoad(Number(port), Number(clients), 1_000_000, host)
await sleep(Number(ms))
const { ok, failed, errors, latenciesMs } = await load.stop()
process.stdout.write(`${JSON.stringify({ ok, failed, errors, latenciesMs })}\n`)
lines.close()
