import t from 'tap'
import { jsonLine } from '../../../controller/report/json-text.ts'
import { codeSpan, collapsedBlock, fencedBlock, htmlText } from '../../../controller/report/markdown-text.ts'
import { commandsStopped, neutraliseCommands } from '../../../controller/report/workflow-commands.ts'
import { terminalLine, terminalLines } from '../../../shared/terminal-text.ts'
import { runnerCommands } from '../../support/runner-commands.ts'

// Each sink's escaping, fed the strings an instance could print.

t.test('terminal: C0, DEL, C1 and bidirectional controls are dropped, tabs become spaces', async (t) => {
  t.equal(terminalLine('a\x1b[2Jb\x07c\u009b31md\x7fe\u202ef\u2066g\th\ri'), 'a[2Jbc31mdefg hi')
  t.equal(terminalLine('one\n\ntwo\r\n'), 'one two', 'one line: lines joined, empty ones dropped')
  t.strictSame(terminalLines('one\x00\ntwo\x1b]8;;https://x\x07'), ['one', 'two]8;;https://x'])
  t.equal(terminalLine('ünïcode ✓ 日本'), 'ünïcode ✓ 日本', 'printable text is kept')
})

t.test('workflow commands: both forms neutralised, the rest kept', async (t) => {
  const hostile = [
    '::stop-commands::x',
    '  \u00a0::add-mask::hunter2',
    'ok ::error::mid-line is no command',
    'text ##[set-output name=a;]b and ##[error]c',
    ':::warning::three colons',
  ].join('\n')
  t.equal(
    neutraliseCommands(hostile),
    [
      ': :stop-commands::x',
      '  \u00a0: :add-mask::hunter2',
      'ok ::error::mid-line is no command',
      'text ## [set-output name=a;]b and ## [error]c',
      ': ::warning::three colons',
    ].join('\n'),
  )
  t.strictSame(runnerCommands(neutraliseCommands(hostile)), [], 'the runner acts on none of it')
  t.equal(neutraliseCommands('a\r::error::x'), 'a\r: :error::x', 'a lone CR starts a line for the runner')
})

t.test('workflow commands: a block with commands stopped, a fresh token each time', async (t) => {
  const tokens = ['feed', 'cafe']
  const block = commandsStopped('::error::forged\n::feed::\n', () => tokens.shift() ?? 'none')
  t.equal(
    block,
    '::stop-commands::cafe\n::error::forged\n::feed::\n::cafe::\n',
    'a token found in the text is drawn again',
  )
  t.strictSame(runnerCommands(`${block}::error::ours\n`), [
    { name: 'stop-commands', data: 'cafe' },
    { name: 'resume', data: 'cafe' },
    { name: 'error', data: 'ours' },
  ])
})

t.test('markdown: code spans, fenced blocks and HTML text hold no markup', async (t) => {
  t.equal(codeSpan('<img src=x> [a](https://e) <!--'), '` <img src=x> [a](https://e) <!-- `')
  t.equal(codeSpan('a `b` ``c``'), '``` a `b` ``c`` ```', 'the fence is longer than any run inside')
  t.equal(codeSpan('x | y\nz', true), '` x \\| y z `', 'in a table, pipes escaped and one line')
  t.equal(codeSpan(' \n'), '')
  t.equal(fencedBlock('a\n```\n~~~\x1b[2J'), '````text\na\n```\n~~~[2J\n````')
  t.equal(htmlText('</summary><b>"x" & \'y\''), '&lt;/summary&gt;&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;')
  t.equal(
    collapsedBlock('i-1 <b>', '</details>\n<!--'),
    '<details><summary>i-1 &lt;b&gt;</summary>\n\n```text\n</details>\n<!--\n```\n\n</details>',
  )
})

t.test('json: parses to the same data, with nothing a terminal or the runner acts on', async (t) => {
  const value = { message: 'a\x1b[2J\u009b\u2028\u202e ##[error]x', tail: '::add-mask::y\n' }
  const line = jsonLine(value)
  t.equal(line, '{"message":"a\\u001b[2J\\u009b\\u2028\\u202e ##\\u005berror]x","tail":"::add-mask::y\\n"}')
  t.strictSame(JSON.parse(line), value)
  t.strictSame(runnerCommands(line), [])
})
