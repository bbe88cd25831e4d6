import { ProgressPrinter } from '../../../agent/cli/progress-printer.ts'
import type { ProgressEvent } from '../../../agent/deploy/deployer.ts'
import { type PullEvent, PullProgress } from '../../../agent/docker/pull-progress.ts'
import { resultLineText } from '../../../shared/agent-contract.ts'

/**
 * A deploy as the stand-in agent replays it: a version deploy pulls the image's layers the instance does
 * not have yet; a re-deploy of the running digest pulls nothing and answers unchanged.
 */
export interface DeployShape {
  readonly kind: 'version' | 'unchanged'
  readonly image: string
  readonly digest: string
  readonly previousDigest: string
  readonly layers: number
  readonly cached: number
}

/**
 * What `ecr-deploy-agent deploy --wait` prints for such a deploy, made by the agent's own code: Docker's
 * pull stream through PullProgress, every event through the CLI's ProgressPrinter (its budgets and line
 * format), then the result line. Only the pull stream and timings are made up; the text is the agent's.
 */
export function deployTranscript(shape: DeployShape): string {
  const out: string[] = []
  let elapsedMs = 0
  const printer = new ProgressPrinter(
    (text) => out.push(text),
    () => elapsedMs,
  )
  const say = (phase: ProgressEvent['phase'], message: string, afterMs = 100) => {
    elapsedMs += afterMs
    printer.line({ type: 'progress', service: 'web', phase, message })
  }
  const pinned = `${shape.image}@${shape.digest}`
  say('resolve', `resolving ${pinned}`)
  if (shape.kind === 'unchanged') {
    say('done', `unchanged: release r8 already runs ${shape.digest} and is healthy`, 60)
    out.push(
      resultLineText({
        result: 'unchanged',
        service: 'web',
        image: pinned,
        digest: shape.digest,
        previousDigest: null,
        durationMs: elapsedMs,
        message: 'already running',
      }),
    )
    return `${out.join('\n')}\n`
  }
  say('pull', `pulling ${pinned}`)
  const pull = new PullProgress()
  for (const event of pullStream(shape)) {
    const line = pull.line(event)
    if (line !== null) say('pull', line, 40)
  }
  say('start', 'starting ecr-deploy-i0abc-web-r8', 300)
  say(
    'health',
    'release r8 is healthy after 3 check(s): GET http://172.18.0.7:8080/health answered 200',
    2400,
  )
  say('switch', 'release r8 is now current')
  say('stop', 'stopping container 4f2a9c81d07e', 50)
  say('done', 'deployed release r8 (previous r7 kept for rollback)', 1200)
  printer.finish()
  out.push(
    resultLineText({
      result: 'deployed',
      service: 'web',
      image: pinned,
      digest: shape.digest,
      previousDigest: shape.previousDigest,
      durationMs: elapsedMs,
      message: 'deployed release r8',
    }),
  )
  return `${out.join('\n')}\n`
}

/** Docker's pull messages for the shape: cached layers exist, the others download in small steps. */
function* pullStream(shape: DeployShape): Generator<PullEvent> {
  for (let i = 0; i < shape.layers; i += 1) {
    const id = (0x3f1a2b4c5d6e + i * 0x1111).toString(16).padStart(12, '0')
    if (i < shape.cached) {
      yield { id, status: 'Already exists' }
      continue
    }
    const total = (2 + ((i * 7) % 40)) * 1024 * 1024
    for (let current = 0; current <= total; current += total / 20) {
      yield { id, status: 'Downloading', progressDetail: { current, total } }
    }
    yield { id, status: 'Download complete' }
    yield { id, status: 'Pull complete' }
  }
  yield { status: `Digest: ${shape.digest}` }
  yield { status: `Status: Downloaded newer image for ${shape.image}` }
}
