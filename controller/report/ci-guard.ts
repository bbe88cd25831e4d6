import { randomUUID } from 'node:crypto'

/** A fresh token for each block of untrusted text printed with workflow commands stopped. */
const newStopToken = () => randomUUID().replace(/-/g, '')

/** Text holding instance output as stdout gets it: in GitHub Actions, with workflow commands stopped. */
export async function guardedForCi(): Promise<(text: string) => string> {
  if (process.env.GITHUB_ACTIONS !== 'true') return (text) => text
  const { commandsStopped } = await import('./workflow-commands.ts')
  return (text) => commandsStopped(text, newStopToken)
}
