import { request } from 'node:http'
import { connect } from 'node:net'

/** The outcome of one probe; `detail` says what was tried and what came back, for the deploy log. */
export interface ProbeResult {
  readonly ok: boolean
  readonly detail: string
}

/** Network probes, separate from the waiting logic so that tests can script them. */
export interface Probes {
  http(
    host: string,
    port: number,
    path: string,
    expectedStatus: number,
    timeoutMs: number,
  ): Promise<ProbeResult>
  tcp(host: string, port: number, timeoutMs: number): Promise<ProbeResult>
}

export const networkProbes: Probes = Object.freeze({ http: httpProbe, tcp: tcpProbe })

export function httpProbe(
  host: string,
  port: number,
  path: string,
  expectedStatus: number,
  timeoutMs: number,
): Promise<ProbeResult> {
  const url = `http://${host}:${port}${path}`
  return new Promise((resolve) => {
    const req = request({ host, port, path, method: 'GET', agent: false, timeout: timeoutMs }, (res) => {
      res.resume()
      const status = res.statusCode ?? 0
      resolve({
        ok: status === expectedStatus,
        detail: `GET ${url} answered ${status}${status === expectedStatus ? '' : ` (expected ${expectedStatus})`}`,
      })
    })
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)))
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ ok: false, detail: `GET ${url} failed: ${error.code ?? error.message}` }),
    )
    req.end()
  })
}

export function tcpProbe(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs })
    socket.on('connect', () => {
      socket.destroy()
      resolve({ ok: true, detail: `TCP ${host}:${port} accepted a connection` })
    })
    socket.on('timeout', () => socket.destroy(new Error(`no answer within ${timeoutMs} ms`)))
    socket.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ ok: false, detail: `TCP ${host}:${port} failed: ${error.code ?? error.message}` }),
    )
  })
}
