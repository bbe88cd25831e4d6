/** Placeholder until the daemon wiring lands in the next commit. */
export async function runDaemon(_options: {
  socketPath: string
  verbose: boolean
  config?: string
}): Promise<void> {
  throw new Error('not wired yet')
}
