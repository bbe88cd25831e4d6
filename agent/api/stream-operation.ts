import { PassThrough } from 'node:stream'
import type { FastifyReply } from 'fastify'
import { DeployToolError } from '../../shared/errors.ts'
import type { ProgressEvent } from '../deploy/deployer.ts'
import { httpStatusOf } from './http-status.ts'
import { errorLineOf, progressLineOf, type ResultLine, type StreamLine } from './protocol.ts'

export const NDJSON = 'application/x-ndjson'

/**
 * Runs a deploy, rollback or pull and streams it as NDJSON: progress lines, then one result or error line.
 * The status line is held back until the first progress event, so a request refused at once (busy, unknown
 * service) still gets a proper HTTP status with the error line as its whole body.
 */
export async function streamOperation(
  reply: FastifyReply,
  run: (onProgress: (event: ProgressEvent) => void) => Promise<ResultLine>,
): Promise<FastifyReply> {
  let stream: PassThrough | undefined
  const write = (line: StreamLine): void => {
    if (!stream) {
      stream = new PassThrough()
      reply.code(200).type(NDJSON).send(stream)
    }
    // The client may have gone (the CLI was killed); the deploy goes on and only the output is lost.
    if (!stream.destroyed) stream.write(`${JSON.stringify(line)}\n`)
  }
  try {
    write(await run((event) => write(progressLineOf(event))))
  } catch (error) {
    if (!(error instanceof DeployToolError)) reply.log.error({ err: error }, 'operation failed unexpectedly')
    const line = errorLineOf(error)
    if (!stream)
      return reply
        .code(httpStatusOf(line.code))
        .type(NDJSON)
        .send(`${JSON.stringify(line)}\n`)
    write(line)
  }
  stream?.end()
  return reply
}
