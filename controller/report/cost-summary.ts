import type { CostReport } from '../cost/storage-cost.ts'
import { formatBytes, formatDollars } from './cost-text.ts'
import { codeSpan } from './markdown-text.ts'
import { mermaidLabel } from './mermaid-text.ts'

/*
 * The cost report as a GitHub job summary: a table, then a Mermaid bar chart (xychart-beta, which job
 * summaries render) of each repository's stored MiB now against after its lifecycle policy. Repository
 * names are data: code spans in the table, escaped labels in the chart.
 */

const MIB = 2 ** 20

function mib(bytes: number): string {
  return (bytes / MIB).toFixed(1)
}

export function costChart(report: CostReport): string {
  const names = report.repositories.map((r) => mermaidLabel(r.name)).join(', ')
  const now = report.repositories.map((r) => mib(r.now.bytes)).join(', ')
  const after = report.repositories.map((r) => mib(r.after.bytes)).join(', ')
  const top = Math.max(1, ...report.repositories.map((r) => Math.ceil(r.now.bytes / MIB)))
  return [
    '```mermaid',
    'xychart-beta',
    '  title "Stored MiB: now, then after the lifecycle policy"',
    `  x-axis [${names}]`,
    `  y-axis "MiB" 0 --> ${top}`,
    `  bar [${now}]`,
    `  bar [${after}]`,
    '```',
  ].join('\n')
}

export function costSummary(report: CostReport): string {
  const rows = report.repositories.map(
    (r) =>
      `| ${codeSpan(r.name, true)}${r.policy === 'proposed' ? ' \\*' : ''} | ${r.images} | ${formatBytes(r.sumOfImageSizes)} | ${formatBytes(r.now.bytes)} | ${formatDollars(r.now.monthly)} | ${r.expire.images} | ${formatBytes(r.expire.bytes)} | ${formatDollars(r.expire.monthly)} | ${formatDollars(r.after.monthly)} |`,
  )
  const { dockerhub } = report
  return [
    '## ECR storage cost',
    '',
    '| repository | images | sum of sizes | stored | $/month | expire | freed | saved | after |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    `| **total** | | | ${formatBytes(report.total.now.bytes)} | ${formatDollars(report.total.now.monthly)} | | ${formatBytes(report.total.now.bytes - report.total.after.bytes)} | ${formatDollars(report.total.now.monthly - report.total.after.monthly)} | ${formatDollars(report.total.after.monthly)} |`,
    '',
    costChart(report),
    '',
    `Stored: distinct layers and configs, once per repository, at ${formatDollars(report.pricePerGbMonth)} per GB-month.${report.repositories.some((r) => r.policy === 'proposed') ? ' \\* No lifecycle policy yet: the preview is of the one `ecr-deploy setup lifecycle` would put.' : ''}`,
    '',
    `Docker Hub: ${dockerhub.seats} seat(s) at ${formatDollars(dockerhub.pricePerSeat)} = ${formatDollars(dockerhub.monthly)}/month. ECR after the lifecycle policy: ${formatDollars(report.total.after.monthly)}/month. Saving: ${formatDollars(report.monthlySaving)}/month. Pulls from EC2 in the same region cost nothing, so the saving is mostly the seats.`,
    '',
  ].join('\n')
}
