import { type IncomingMessage, request } from 'node:http'
import { DaemonUnavailableError } from '../../shared/errors.ts'
import type { ErrorLine, ProgressLine, ResultLine, StreamLine } from '../api/protocol.ts'
import { DaemonReportedError } from './remote-error.ts'

/**
 * The daemon's API as the CLI uses it: plain node:http over the unix socket, so that a CLI run (one per
 * SSM command) loads no HTTP framework. Every answer body is NDJSON; a single JSON document is one line.
 */
export class AgentClient {
  readonly socketPath: string

  constructor(socketPath: string) {
    this.socketPath = socketPath
  }

  /** POSTs and follows a deploy/rollback stream; resolves with the result line, throws the error line. */
  async stream(path: string, body: object, onProgress: (line: ProgressLine) => void): Promise<ResultLine> {
    let outcome: ResultLine | undefined
    await this.exchange('POST', path, body, (line) => {
      if (line.type === 'progress') onProgress(line)
      else if (line.type === 'result') outcome = line
      else throw new DaemonReportedError(line)
    })
    if (outcome) return outcome
    throw new DaemonUnavailableError(
      `the agent daemon on ${this.socketPath} closed the connection before ${path.slice(1)} finished ` +
        '(restarted or stopped?); it finishes or undoes the operation when it starts again: check `ecr-deploy-agent status`',
    )
  }

  /** Sends one request and returns the JSON answer; an error line becomes a thrown catalogue error. */
  async call<T>(method: 'GET' | 'POST', path: string, body?: object): Promise<T> {
    const documents: unknown[] = []
    await this.exchange(method, path, body, (line) => {
      if (isErrorLine(line)) throw new DaemonReportedError(line)
      documents.push(line)
    })
    return documents[0] as T
  }

  private exchange(
    method: string,
    path: string,
    body: object | undefined,
    onLine: (line: StreamLine) => void,
  ): Promise<void> {
    const payload = body === undefined ? undefined : JSON.stringify(body)
    return new Promise((resolve, reject) => {
      const req = request(
        {
          socketPath: this.socketPath,
          method,
          path,
          headers: payload === undefined ? {} : { 'content-type': 'application/json' },
        },
        (res) => readLines(res, onLine).then(resolve, reject),
      )
      req.on('error', (error: NodeJS.ErrnoException) => reject(this.unavailable(error)))
      req.end(payload)
    })
  }

  private unavailable(error: NodeJS.ErrnoException): Error {
    if (error.code === 'ENOENT' || error.code === 'ECONNREFUSED') {
      return new DaemonUnavailableError(
        `the agent daemon is not running: nothing listens on ${this.socketPath} (${error.code})`,
        { cause: error },
      )
    }
    if (error.code === 'EACCES') {
      return new DaemonUnavailableError(
        `permission denied on ${this.socketPath}: the agent socket is root-only, run the command as root`,
        { cause: error },
      )
    }
    return new DaemonUnavailableError(
      `cannot talk to the agent daemon on ${this.socketPath}: ${error.message}`,
      {
        cause: error,
      },
    )
  }
}

function isErrorLine(line: unknown): line is ErrorLine {
  return typeof line === 'object' && line !== null && (line as { type?: unknown }).type === 'error'
}

/** Calls onLine for each complete line as it arrives, so progress shows while a deploy runs. */
function readLines(res: IncomingMessage, onLine: (line: StreamLine) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let buffer = ''
    const take = (text: string): void => {
      if (text.trim() === '') return
      onLine(JSON.parse(text) as StreamLine)
    }
    res.setEncoding('utf8')
    res.on('data', (chunk: string) => {
      buffer += chunk
      let newline = buffer.indexOf('\n')
      try {
        while (newline >= 0) {
          take(buffer.slice(0, newline))
          buffer = buffer.slice(newline + 1)
          newline = buffer.indexOf('\n')
        }
      } catch (error) {
        res.destroy()
        reject(error)
      }
    })
    res.on('end', () => {
      try {
        take(buffer)
        resolve()
      } catch (error) {
        reject(error)
      }
    })
    // A daemon killed mid-stream: end what we have, and let the caller notice the missing result.
    res.on('error', () => resolve())
    res.on('close', () => resolve())
  })
}
