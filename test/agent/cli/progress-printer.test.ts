import t from 'tap'
import { LINE_LIMIT, PROGRESS_BUDGET, ProgressPrinter } from '../../../agent/cli/progress-printer.ts'

t.test('progress stays within its budget, pull lines within theirs, and the cut is reported', async (t) => {
  const printed: string[] = []
  const printer = new ProgressPrinter(
    (text) => printed.push(text),
    () => 1500,
  )
  for (let i = 0; i < 500; i += 1)
    printer.line({
      type: 'progress',
      service: 'web',
      phase: 'pull',
      message: `layer ${i}: ${'x'.repeat(60)}`,
    })
  const pullChars = printed.join('\n').length
  t.ok(pullChars <= 4_000, `pull lines use at most 4,000 characters (${pullChars})`)
  printer.line({ type: 'progress', service: 'web', phase: 'health', message: 'healthy after 2 checks' })
  t.equal(
    printed.at(-1),
    '[  1.5s] health: healthy after 2 checks',
    'later phases still print after pull is cut',
  )
  for (let i = 0; i < 500; i += 1)
    printer.line({ type: 'progress', service: 'web', phase: 'stop', message: 'y'.repeat(1000) })
  printer.finish()
  const total = printed.join('\n').length
  t.ok(total <= PROGRESS_BUDGET + 200, `all progress fits the budget (${total})`)
  t.ok(printed.every((line) => line.length <= LINE_LIMIT + 200))
  t.match(
    printed.at(-1),
    /^\(\d+ progress lines not shown to keep the output short; see journalctl -u ecr-deploy-agent\)$/,
  )
  t.ok(
    printed.slice(0, -1).every((line) => line.length <= LINE_LIMIT),
    'every progress line is clipped',
  )
})

t.test('nothing is reported as cut when everything fits', async (t) => {
  const printed: string[] = []
  const printer = new ProgressPrinter(
    (text) => printed.push(text),
    () => 0,
  )
  printer.line({ type: 'progress', service: 'web', phase: 'pull', message: 'pulled' })
  printer.finish()
  t.strictSame(printed, ['[  0.0s] pull: pulled'])
})
