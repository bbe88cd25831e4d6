import { chmod, mkdir, rm } from 'node:fs/promises'
import { createServer, type Server, type Socket } from 'node:net'
import { networkInterfaces } from 'node:os'
import { dirname } from 'node:path'
import { UsageError } from '../../shared/errors.ts'
import { socketAnswers } from '../net/socket-answers.ts'
import type { Forwarder } from './forwarder.ts'
import { type ProxyState, parseAddress, parseRouteName, type Route } from './routes.ts'
import { upstreamRefusal } from './upstream-policy.ts'

/**
 * The control channel: a root-only unix socket, one JSON request line per connection, one JSON
 * answer line back. Requests:
 *   {"op":"status"}                                    -> {"ok":true,"routes":[...],"connections":{...}}
 *   {"op":"set","name","listen":{host,port},"upstream":{host,port}} -> {"ok":true,"generation":N}
 *   {"op":"remove","name"}                             -> {"ok":true}
 * Failures answer {"ok":false,"error":"..."}. Every change is on disk before it is acknowledged.
 */
export interface ControlDeps {
  readonly forwarder: Forwarder
  readonly state: () => ProxyState
  /** Persists the new state atomically; the change is acknowledged only after it resolves. */
  readonly save: (state: ProxyState) => Promise<void>
}

export async function listenControl(socketPath: string, deps: ControlDeps): Promise<Server> {
  await mkdir(dirname(socketPath), { recursive: true, mode: 0o700 })
  await assertNoOtherProxy(socketPath)
  await rm(socketPath, { force: true })
  // Half-open: the client ends its side after the request and still reads the answer.
  // Changes are applied one at a time, so two requests cannot interleave their saves.
  let queue: Promise<unknown> = Promise.resolve()
  const handle = async (line: string): Promise<object> => {
    const request = JSON.parse(line) as Record<string, unknown>
    if (request.op === 'status') return { ok: true, ...deps.forwarder.status() }
    const change = queue.then(() => apply(request, deps))
    queue = change.catch(() => {})
    return change
  }
  const server = createServer({ allowHalfOpen: true }, (socket) => serve(socket, handle))
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(socketPath, () => resolve())
  })
  await chmod(socketPath, 0o600)
  return server
}

function serve(socket: Socket, handle: (line: string) => Promise<object>): void {
  let buffer = ''
  socket.setEncoding('utf8')
  socket.on('error', () => socket.destroy())
  socket.on('data', (chunk: string) => {
    buffer += chunk
    const end = buffer.indexOf('\n')
    if (end < 0) {
      if (buffer.length > 65_536) socket.destroy()
      return
    }
    socket.pause()
    handle(buffer.slice(0, end))
      .catch((error: unknown) => ({ ok: false, error: (error as Error).message }))
      .then((answer) => socket.end(`${JSON.stringify(answer)}\n`))
  })
}

async function apply(request: Record<string, unknown>, deps: ControlDeps): Promise<object> {
  const state = deps.state()
  const name = parseRouteName(request.name, 'name')
  if (request.op === 'remove') {
    deps.forwarder.remove(name)
    await deps.save({ ...state, routes: state.routes.filter((r) => r.name !== name) })
    return { ok: true }
  }
  if (request.op !== 'set') throw new Error('op: expected "status", "set" or "remove"')
  const generation = state.generation + 1
  const route: Route = {
    name,
    listen: parseAddress(request.listen, 'listen'),
    upstream: parseAddress(request.upstream, 'upstream'),
    generation,
  }
  const refusal = upstreamRefusal(route.upstream.host, networkInterfaces())
  if (refusal !== undefined) throw new Error(refusal)
  await deps.forwarder.set(route)
  await deps.save({ generation, routes: [...state.routes.filter((r) => r.name !== name), route] })
  return { ok: true, generation }
}

/**
 * A socket file may be a dead proxy's, or a live one's: removing a live one would take its ports and
 * routes over. Exit 2, so that systemd does not restart into the same refusal.
 */
export async function assertNoOtherProxy(socketPath: string): Promise<void> {
  if (await socketAnswers(socketPath)) {
    throw new UsageError(
      `another proxy is running on ${socketPath}; stop it first (systemctl stop ecr-deploy-proxy)`,
    )
  }
}
