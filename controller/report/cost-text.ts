import type { CostReport, RepositoryCost } from '../cost/storage-cost.ts'
import { shown } from './text.ts'

/*
 * The cost report on a terminal: one row per repository, then the totals and the Docker Hub plan beside
 * them. Repository names come from AWS and are data: shown() drops what a terminal would act on.
 */

/** Bytes in the unit that keeps three significant figures readable: KiB, MiB or GiB. */
export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2)} GiB`
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`
  return `${(bytes / 1024).toFixed(1)} KiB`
}

/** Dollars to the cent; a cost under a cent that is not nothing says so rather than showing $0.00. */
export function formatDollars(amount: number): string {
  if (amount < 0) return `-${formatDollars(-amount)}`
  if (amount > 0 && amount < 0.005) return '<$0.01'
  return `$${amount.toFixed(2)}`
}

function row(cells: readonly string[], widths: readonly number[]): string {
  return cells
    .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
    .join('  ')
    .trimEnd()
}

function cellsOf(r: RepositoryCost): string[] {
  return [
    shown(r.name) + (r.policy === 'proposed' ? ' *' : ''),
    String(r.images),
    formatBytes(r.sumOfImageSizes),
    formatBytes(r.now.bytes),
    formatDollars(r.now.monthly),
    String(r.expire.images),
    formatBytes(r.expire.bytes),
    formatDollars(r.expire.monthly),
    formatDollars(r.after.monthly),
  ]
}

export function costText(report: CostReport): string {
  const header = [
    'repository',
    'images',
    'sum of sizes',
    'stored',
    '$/month',
    'expire',
    'freed',
    'saved',
    'after',
  ]
  const rows = report.repositories.map(cellsOf)
  const totals = [
    'total',
    String(report.repositories.reduce((n, r) => n + r.images, 0)),
    '',
    formatBytes(report.total.now.bytes),
    formatDollars(report.total.now.monthly),
    String(report.repositories.reduce((n, r) => n + r.expire.images, 0)),
    formatBytes(report.total.now.bytes - report.total.after.bytes),
    formatDollars(report.total.now.monthly - report.total.after.monthly),
    formatDollars(report.total.after.monthly),
  ]
  const all = [header, ...rows, totals]
  const widths = header.map((_, i) => Math.max(...all.map((cells) => (cells[i] ?? '').length)))
  const lines = all.map((cells) => row(cells, widths))
  const { dockerhub } = report
  lines.push(
    '',
    `stored: distinct layers and configs, each counted once per repository, at ${formatDollars(report.pricePerGbMonth)} per GB-month (sum of sizes counts shared layers once per image)`,
  )
  if (report.repositories.some((r) => r.policy === 'proposed'))
    lines.push('* no lifecycle policy yet: the preview is of the one `ecr-deploy setup lifecycle` would put')
  lines.push(
    `Docker Hub: ${dockerhub.seats} seat(s) at ${formatDollars(dockerhub.pricePerSeat)} = ${formatDollars(dockerhub.monthly)}/month`,
    `ECR after the lifecycle policy: ${formatDollars(report.total.after.monthly)}/month; saving ${formatDollars(report.monthlySaving)}/month`,
    'Pulls from EC2 in the same region cost nothing, so the saving is mostly the seats.',
  )
  return `${lines.join('\n')}\n`
}
