import { appendFileSync, readFileSync } from 'node:fs'

/**
 * Adds `address name` lines to the hosts file for names it does not map yet. Idempotent, and it
 * never rewrites lines it did not add: other tools on the machine own the rest of the file.
 */
export function ensureHostNames(entries: Readonly<Record<string, string>>, hostsPath = '/etc/hosts'): void {
  const text = readFileSync(hostsPath, 'utf8')
  const mapped = new Set(
    text
      .split('\n')
      .map((line) => line.replace(/#.*/, '').trim().split(/\s+/))
      .flatMap((fields) => fields.slice(1)),
  )
  const missing = Object.entries(entries).filter(([name]) => !mapped.has(name))
  if (missing.length === 0) return
  const lines = missing.map(([name, address]) => `${address} ${name}\n`).join('')
  appendFileSync(hostsPath, `${text.endsWith('\n') || text === '' ? '' : '\n'}${lines}`)
}
