/**
 * One JSON message of Docker's pull stream, as far as the pull needs it. The fields are Docker's text
 * (the registry's, often) and are read as untrusted: `error` and `errorDetail` may hold anything.
 */
export interface PullEvent {
  readonly id?: string
  readonly status?: string
  readonly progressDetail?: { readonly current?: number; readonly total?: number }
  /** Set when the pull failed after dockerd had answered 200 (a dropped download, a full disk). */
  readonly error?: unknown
  readonly errorDetail?: { readonly message?: unknown }
}

/**
 * The reason of a failure Docker reports inside the stream, or null for a progress message. The
 * stream still ends normally after such a message, so this is the only sign the pull failed.
 */
export function pullFailure(event: PullEvent): string | null {
  if (event.error === undefined && event.errorDetail === undefined) return null
  const detail = event.errorDetail?.message
  if (typeof detail === 'string' && detail.trim() !== '') return detail
  if (typeof event.error === 'string' && event.error.trim() !== '') return event.error
  return 'Docker reported a failure without a reason'
}

const STEP_PERCENT = 25

/**
 * Turns Docker's pull stream (an event per few kilobytes) into a few lines: each layer's completion,
 * download progress in 25% steps for the layer, and the final status. SSM keeps only 24,000
 * characters of output, so a 50-layer pull must stay readable.
 */
export class PullProgress {
  readonly #reported = new Map<string, number>()

  /** The line to print for this event, or null when it adds nothing worth a line. */
  line(event: PullEvent): string | null {
    const status = event.status ?? ''
    const layer = event.id ? shortId(event.id) : ''
    if (status === 'Downloading' && layer) return this.#downloadStep(layer, event.progressDetail)
    if (status === 'Pull complete' || status === 'Already exists')
      return `layer ${layer}: ${status.toLowerCase()}`
    if (status.startsWith('Digest:') || status.startsWith('Status:')) return status
    return null
  }

  #downloadStep(layer: string, detail: PullEvent['progressDetail']): string | null {
    const total = detail?.total ?? 0
    if (total <= 0) return null
    const percent = Math.floor(((detail?.current ?? 0) / total) * 100)
    const step = Math.floor(percent / STEP_PERCENT) * STEP_PERCENT
    const last = this.#reported.get(layer) ?? 0
    if (step <= last || step >= 100) return null
    this.#reported.set(layer, step)
    return `layer ${layer}: downloading ${step}% of ${formatBytes(total)}`
  }
}

function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12)
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} kB`
  return `${bytes} B`
}
