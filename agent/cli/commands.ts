import {
  type AgentResultLine,
  RELEASE_ID_PATTERN,
  type ReleaseRecord,
  resultLineText,
  type ServiceStatus,
  statusLineText,
} from '../../shared/agent-contract.ts'
import { DeployToolError, InternalError, UsageError } from '../../shared/errors.ts'
import { parseImageRef } from '../../shared/image-ref.ts'
import { assertServiceName } from '../../shared/service-name.ts'
import type { ProgressLine, ResultLine } from '../api/protocol.ts'
import type { ReloadOutcome } from '../api/server.ts'
import type { AgentClient } from './client.ts'
import { formatHistoryTable, formatStatusTable, summaryOfFailure, summaryOfResult } from './output.ts'
import { clip, LINE_LIMIT, ProgressPrinter } from './progress-printer.ts'

/** Where the commands write, and the clock for elapsed times. */
export interface CliIo {
  out(text: string): void
  err(text: string): void
  now(): number
}

/**
 * A deploy or rollback that failed: the entry point prints the error, then the summary as the last stdout
 * line (the controller reads that line even when the command failed), then exits with the error's code.
 */
export class OperationFailed extends Error {
  readonly error: DeployToolError
  readonly summary: AgentResultLine

  constructor(error: DeployToolError, summary: AgentResultLine) {
    super(error.message, { cause: error })
    this.error = error
    this.summary = summary
  }
}

export interface DeployOptions {
  readonly service: string
  /** Exactly one of image and release. */
  readonly image?: string
  readonly release?: string
  readonly wait: boolean
  readonly json: boolean
}

/** The daemon checks a release selector (this client loads no schema library); an image is checked here. */
export function deployCommand(client: AgentClient, io: CliIo, options: DeployOptions): Promise<void> {
  return operation(io, options.json, options.service, options.image ?? null, (onProgress) => {
    const body = { ...targetBody('deploy', options), ...(options.wait ? { wait: true } : {}) }
    return client.stream('/deploy', body, onProgress)
  })
}

export interface PullOptions {
  readonly service: string
  /** Exactly one of image and release. */
  readonly image?: string
  readonly release?: string
  readonly json: boolean
}

/** Pulls what `deploy` with the same options would run; no container changes. */
export function pullCommand(client: AgentClient, io: CliIo, options: PullOptions): Promise<void> {
  return operation(io, options.json, options.service, options.image ?? null, (onProgress) =>
    client.stream('/pull', targetBody('pull', options), onProgress),
  )
}

/** The body of a deploy or a pull: exactly one of a release selector and an image. */
function targetBody(
  command: 'deploy' | 'pull',
  options: PullOptions,
): { service: string; image?: string; release?: string } {
  assertServiceName(options.service)
  if ((options.image === undefined) === (options.release === undefined)) {
    throw new UsageError(
      `${command} takes exactly one of --release <selector> (such as /ecr-deploy/prod/web:7) and --image <uri>`,
    )
  }
  if (options.image !== undefined) {
    parseImageRef(options.image)
    return { service: options.service, image: options.image }
  }
  return { service: options.service, release: options.release as string }
}

export interface RollbackOptions {
  readonly service: string
  readonly to?: string
  readonly json: boolean
}

export function rollbackCommand(client: AgentClient, io: CliIo, options: RollbackOptions): Promise<void> {
  return operation(io, options.json, options.service, null, (onProgress) => {
    assertServiceName(options.service)
    if (options.to !== undefined && !new RegExp(RELEASE_ID_PATTERN).test(options.to)) {
      throw new UsageError(
        `--to "${options.to}" is not a release id: use an id from \`ecr-deploy-agent history --service ${options.service}\``,
      )
    }
    const body = { service: options.service, ...(options.to === undefined ? {} : { to: options.to }) }
    return client.stream('/rollback', body, onProgress)
  })
}

async function operation(
  io: CliIo,
  json: boolean,
  service: string,
  image: string | null,
  run: (onProgress: (line: ProgressLine) => void) => Promise<ResultLine>,
): Promise<void> {
  const started = io.now()
  // With --json stdout holds only the result line; progress still shows, on stderr.
  const print = json ? io.err : io.out
  const progress = new ProgressPrinter(print, () => io.now() - started)
  try {
    const result = await run((line) => progress.line(line))
    progress.finish()
    print(clip(`${result.result}: ${result.message}`, LINE_LIMIT))
    io.out(resultLineText(summaryOfResult(result)))
  } catch (error) {
    progress.finish()
    const known =
      error instanceof DeployToolError
        ? error
        : new InternalError(error instanceof Error ? error.message : String(error), { cause: error })
    throw new OperationFailed(known, summaryOfFailure(known, service, image, io.now() - started))
  }
}

export async function statusCommand(
  client: AgentClient,
  io: CliIo,
  options: { readonly service?: string; readonly json: boolean },
): Promise<void> {
  const query = options.service === undefined ? '' : `?service=${assertServiceName(options.service)}`
  const { services } = await client.call<{ services: ServiceStatus[] }>('GET', `/services${query}`)
  io.out(options.json ? statusLineText(services) : formatStatusTable(services))
}

export async function historyCommand(
  client: AgentClient,
  io: CliIo,
  options: { readonly service: string; readonly json: boolean },
): Promise<void> {
  const path = `/services/${assertServiceName(options.service)}/history`
  const answer = await client.call<{ service: string; releases: ReleaseRecord[] }>('GET', path)
  io.out(options.json ? JSON.stringify(answer) : formatHistoryTable(answer.releases))
}

export async function retireCommand(
  client: AgentClient,
  io: CliIo,
  options: { readonly service: string; readonly json: boolean },
): Promise<void> {
  const body = { service: assertServiceName(options.service) }
  const answer = await client.call<{ service: string; actions: string[] }>('POST', '/retire', body)
  if (options.json) io.out(JSON.stringify(answer))
  else
    io.out(
      answer.actions.length > 0 ? answer.actions.join('\n') : `${answer.service}: nothing was left to remove`,
    )
}

export async function reloadCommand(client: AgentClient, io: CliIo): Promise<void> {
  const answer = await client.call<ReloadOutcome>('POST', '/reload')
  io.out(answer.message)
}
