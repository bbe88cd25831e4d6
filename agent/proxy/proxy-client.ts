import { connect } from 'node:net'
import { ProxyError } from '../../shared/errors.ts'
import type { Address, ProxyStatus } from './routes.ts'
import type { TrafficSwitch } from './traffic-switch.ts'

/** The TrafficSwitch adapter: one line of JSON to the proxy's control socket, one line back. */
export class ProxyClient implements TrafficSwitch {
  private readonly socketPath: string
  private readonly timeoutMs: number

  constructor(socketPath: string, timeoutMs: number = 10_000) {
    this.socketPath = socketPath
    this.timeoutMs = timeoutMs
  }

  async route(name: string, listen: Address, upstream: Address): Promise<void> {
    await this.#ask({ op: 'set', name, listen, upstream })
  }

  async remove(name: string): Promise<void> {
    await this.#ask({ op: 'remove', name })
  }

  async status(): Promise<ProxyStatus> {
    const answer = await this.#ask({ op: 'status' })
    return {
      routes: answer.routes as ProxyStatus['routes'],
      connections: answer.connections as ProxyStatus['connections'],
    }
  }

  #ask(request: object): Promise<Record<string, unknown>> {
    const where = `the proxy at ${this.socketPath}`
    return new Promise((resolve, reject) => {
      const socket = connect(this.socketPath)
      let text = ''
      socket.setEncoding('utf8')
      socket.setTimeout(this.timeoutMs, () =>
        socket.destroy(new Error(`no answer within ${this.timeoutMs} ms`)),
      )
      socket.on('data', (chunk: string) => {
        text += chunk
      })
      socket.on('error', (error: NodeJS.ErrnoException) =>
        reject(
          new ProxyError(
            `cannot reach ${where}: ${error.code ?? error.message}; is ecr-deploy-proxy running (systemctl status ecr-deploy-proxy)?`,
            { cause: error },
          ),
        ),
      )
      socket.on('end', () => {
        try {
          const answer = JSON.parse(text) as Record<string, unknown>
          if (answer.ok === true) resolve(answer)
          else reject(new ProxyError(`${where} refused ${JSON.stringify(request)}: ${String(answer.error)}`))
        } catch {
          reject(new ProxyError(`${where} answered something that is not JSON: ${text.slice(0, 200)}`))
        }
      })
      socket.end(`${JSON.stringify(request)}\n`)
    })
  }
}
