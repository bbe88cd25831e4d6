import t from 'tap'
import { type CostImage, costReport, GB, uniqueBytes } from '../../../controller/cost/storage-cost.ts'
import { costChart, costSummary } from '../../../controller/report/cost-summary.ts'
import { costText, formatDollars } from '../../../controller/report/cost-text.ts'
import { mermaidLabel } from '../../../controller/report/mermaid-text.ts'

const MiB = 2 ** 20
const base = { digest: 'sha256:base', sizeBytes: 300 * MiB }
const config = (n: number) => ({ digest: `sha256:config${n}`, sizeBytes: 1024 })
const app = (n: number) => ({ digest: `sha256:app${n}`, sizeBytes: 50 * MiB })
const image = (n: number, tags: string[] = [`v${n}`]): CostImage => ({
  digest: `sha256:image${n}`,
  tags,
  // What ECR's imageSizeInBytes says: every layer of the image, the shared base included.
  sizeBytes: base.sizeBytes + app(n).sizeBytes,
  blobs: [config(n), base, app(n)],
})

t.test('stored bytes count a blob shared by images once, unlike the sum of imageSizeInBytes', async (t) => {
  const images = [image(1), image(2), image(3)]
  t.equal(uniqueBytes(images), 300 * MiB + 3 * 50 * MiB + 3 * 1024)
  t.equal(
    images.reduce((sum, i) => sum + i.sizeBytes, 0),
    3 * 350 * MiB,
  )
})

const input = {
  repositories: [
    {
      name: 'shop/web',
      images: [image(1), image(2), image(3)],
      expiring: ['sha256:image1'],
      policy: 'repository' as const,
    },
    { name: 'shop/api', images: [image(4)], expiring: [], policy: 'proposed' as const },
  ],
  pricePerGbMonth: 0.1,
  dockerhub: { seats: 5, pricePerSeat: 15 },
}

t.test('an expired image frees only the blobs no kept image uses', async (t) => {
  const report = costReport(input)
  const web = report.repositories.find((r) => r.name === 'shop/web')
  t.same(web?.expire, {
    images: 1,
    bytes: 50 * MiB + 1024,
    monthly: ((50 * MiB + 1024) / GB) * 0.1,
  })
  t.equal(web?.after.bytes, 300 * MiB + 2 * 50 * MiB + 2 * 1024)
  t.same(report.dockerhub, { seats: 5, pricePerSeat: 15, monthly: 75 })
  t.equal(report.monthlySaving, 75 - report.total.after.monthly)
  t.same(
    report.repositories.map((r) => r.name),
    ['shop/api', 'shop/web'],
    'sorted by name',
  )
})

t.test('the text table, exactly', async (t) => {
  t.equal(
    costText(costReport(input)),
    [
      'repository  images  sum of sizes     stored  $/month  expire     freed   saved  after',
      'shop/api *       1     350.0 MiB  350.0 MiB    $0.03       0   0.0 KiB   $0.00  $0.03',
      'shop/web         3      1.03 GiB  450.0 MiB    $0.04       1  50.0 MiB  <$0.01  $0.04',
      'total            4                800.0 MiB    $0.08       1  50.0 MiB  <$0.01  $0.07',
      '',
      'stored: distinct layers and configs, each counted once per repository, at $0.10 per GB-month (sum of sizes counts shared layers once per image)',
      '* no lifecycle policy yet: the preview is of the one `ecr-deploy setup lifecycle` would put',
      'Docker Hub: 5 seat(s) at $15.00 = $75.00/month',
      'ECR after the lifecycle policy: $0.07/month; saving $74.93/month',
      'Pulls from EC2 in the same region cost nothing, so the saving is mostly the seats.',
      '',
    ].join('\n'),
  )
})

t.test('dollars: cents, a sign, and a cost under a cent that is not nothing', async (t) => {
  t.same([0, 0.004, 0.005, 12.345, -3].map(formatDollars), ['$0.00', '<$0.01', '$0.01', '$12.35', '-$3.00'])
})

t.test('the job summary chart: storage now against after, in MiB', async (t) => {
  t.equal(
    costChart(costReport(input)),
    [
      '```mermaid',
      'xychart-beta',
      '  title "Stored MiB: now, then after the lifecycle policy"',
      '  x-axis ["shop/api", "shop/web"]',
      '  y-axis "MiB" 0 --> 451',
      '  bar [350.0, 450.0]',
      '  bar [350.0, 400.0]',
      '```',
    ].join('\n'),
  )
})

t.test('a hostile repository name cannot leave its label, the chart or its table cell', async (t) => {
  t.equal(mermaidLabel('a"]\n```\n<img src=x>`|'), '"a#34;#93; #96;#96;#96; #60;img src#61;x#62;#96;#124;"')
  const hostile = {
    ...input,
    repositories: [{ ...input.repositories[1], name: 'x|`y` ]\n## owned' } as never],
  }
  const summary = costSummary(costReport(hostile))
  t.notMatch(summary, /^## owned/m)
  t.match(summary, '| `` x\\|`y` ] ## owned `` \\* | 1 |')
  t.match(summary, 'x-axis ["x#124;#96;y#96; #93; #35;#35; owned"]')
})
