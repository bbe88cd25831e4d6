import t from 'tap'
import { historyText } from '../../controller/history.ts'
import { historyEntry } from '../../controller/release-store.ts'
import { jsonLine } from '../../controller/report/json-text.ts'
import { releaseText } from '../../shared/release.ts'

const IMAGE = `123456789012.dkr.ecr.us-east-1.amazonaws.com/web@sha256:${'b'.repeat(64)}`
const release = (actor: string) =>
  releaseText({
    format: 1,
    environment: 'prod',
    service: 'web',
    image: IMAGE,
    spec: {},
    state: 'stable',
    replaces: { version: 3, image: IMAGE },
    restores: 2,
    origin: { actor, runUrl: 'https://github.com/o/r/actions/runs/9', createdAt: '2026-03-01T12:00:00.000Z' },
  })

t.test('history lists versions newest first; what the parameter holds is shown as data', async (t) => {
  const hostile = 'evil\u001b]0;title\u0007\n::error::owned'
  const history = {
    environment: 'prod',
    service: 'web',
    versions: [
      historyEntry({ version: 5, value: release(hostile) }),
      historyEntry({ version: 4, value: 'not json \u001b[2J' }),
    ],
  }
  t.equal(
    historyText(history),
    [
      '/ecr-deploy/prod/web: 2 version(s), newest first',
      'version  state  digest  created  actor  replaces/restores  run',
      '   5  stable   bbbbbbbbbbbb  2026-03-01T12:00:00.000Z  evil]0;title ::error::owned  replaces 3, restores 2  https://github.com/o/r/actions/runs/9',
      '   4  unreadable  is not JSON (a bare image is the layout before releases were records)',
    ].join('\n'),
  )
  const json = jsonLine(history)
  t.notOk(json.includes('\u001b') || json.includes('\u0007'), 'JSON escapes the controls')
  t.equal(historyText({ ...history, versions: [] }), '/ecr-deploy/prod/web: no release is recorded')
})
