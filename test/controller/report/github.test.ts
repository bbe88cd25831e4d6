import t from 'tap'
import type { DeployReport } from '../../../controller/report/fleet-report.ts'
import { annotations, escapeData, jobSummary, outputs } from '../../../controller/report/github.ts'
import { outcomeLine } from '../../../controller/report/text.ts'
import { verdictOf } from '../../../controller/report/verdict.ts'

const A = `sha256:${'a'.repeat(64)}`
const B = `sha256:${'b'.repeat(64)}`

const report: DeployReport = {
  environment: 'prod',
  service: 'web',
  digest: B,
  parameterVersion: 7,
  state: 'aborted',
  stateVersion: 8,
  replaces: 5,
  deploy: {
    image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/web@${B}`,
    release: '/ecr-deploy/prod/web:7',
    commandIds: ['c-1'],
    targetCount: 2,
    timedOut: false,
    unfinished: [],
    unlisted: 0,
    outcomes: [
      {
        instanceId: 'i-2',
        result: 'failed',
        ssmStatus: 'Failed',
        durationMs: 31_000,
        message: 'health: 500 | boom\nline 2',
      },
      {
        instanceId: 'i-1',
        result: 'succeeded',
        ssmStatus: 'Success',
        durationMs: 12_340,
        previousDigest: A,
        digest: B,
        message: 'deployed r4',
      },
    ],
  },
}

t.test('job summary is a markdown table sorted by instance, untrusted cells as code', async (t) => {
  t.equal(
    jobSummary(report),
    [
      '## Deploy web',
      '',
      `Image \` 123456789012.dkr.ecr.us-east-1.amazonaws.com/web@${B} \` (release \` /ecr-deploy/prod/web:7 \`), SSM command \` c-1 \`: **1 succeeded, 0 unchanged, 1 failed**.`,
      '',
      '| instance | status | previous → new | duration | message |',
      '| --- | --- | --- | --- | --- |',
      '| ` i-1 ` | succeeded | ` aaaaaaaaaaaa ` → ` bbbbbbbbbbbb ` | 12.3s | ` deployed r4 ` |',
      '| ` i-2 ` | failed | ` - ` → ` - ` | 31.0s | ` health: 500 \\| boom line 2 ` |',
      '',
      'release prod/web version 7 is aborted (version 8): stable release version 5 stands.',
      '',
    ].join('\n'),
  )
})

t.test('job summary: hostile text in the deploy and the rollback sections stays text', async (t) => {
  const hostile = {
    instanceId: 'i-3',
    result: 'failed' as const,
    ssmStatus: 'Failed',
    digest: 'sha256:<!--',
    message: '<img src=x onerror=alert(1)> [x](https://evil.example) <!--',
    outputTail: '```\n</details>\n<!-- hidden',
  }
  const withRollback: DeployReport = {
    ...report,
    deploy: { ...report.deploy, outcomes: [hostile] },
    rollback: { ...report.deploy, image: 'img <b>', outcomes: [hostile] },
  }
  const section = [
    '| instance | status | previous → new | duration | message |',
    '| --- | --- | --- | --- | --- |',
    '| ` i-3 ` | failed | ` - ` → ` invalid ` | - | ` <img src=x onerror=alert(1)> [x](https://evil.example) <!-- ` |',
    '',
    '<details><summary>i-3: last lines of output</summary>',
    '',
    '````text',
    '```',
    '</details>',
    '<!-- hidden',
    '````',
    '',
    '</details>',
  ]
  const summary = jobSummary(withRollback)
  t.match(summary, ['**0 succeeded, 0 unchanged, 1 failed**.', '', ...section, ''].join('\n'))
  t.match(
    summary,
    [
      '### Rolled back to ` img <b> `',
      '',
      '0 instance(s) back on the previous release, 1 failed.',
      '',
      ...section,
      '',
    ].join('\n'),
  )
})

t.test('annotations escape the workflow-command characters', async (t) => {
  t.strictSame(annotations(report), ['::error title=web on i-2::Failed: health: 500 | boom%0Aline 2'])
  t.equal(escapeData('100%\r\n'), '100%25%0D%0A')
})

t.test('outputs use the delimiter form', async (t) => {
  t.equal(
    outputs(report, 'EOF_X'),
    `digest<<EOF_X\n${B}\nEOF_X\nrelease-version<<EOF_X\n7\nEOF_X\ncommand-id<<EOF_X\nc-1\nEOF_X\nsucceeded<<EOF_X\n1\nEOF_X\nfailed<<EOF_X\n1\nEOF_X\nrolled-back<<EOF_X\nfalse\nEOF_X\n`,
  )
})

t.test('terminal line and verdict', async (t) => {
  t.equal(
    outcomeLine(report.deploy.outcomes[1] as never),
    'i-1  succeeded  aaaaaaaaaaaa -> bbbbbbbbbbbb   12.3s  deployed r4',
  )
  t.match(verdictOf(report), {
    code: 'E_PARTIAL_FAILURE',
    message: 'the deploy failed on 1 of 2 instance(s)',
  })
  t.equal(
    verdictOf({ ...report, deploy: { ...report.deploy, outcomes: report.deploy.outcomes.slice(1) } }),
    undefined,
  )
  t.match(verdictOf({ ...report, deploy: { ...report.deploy, outcomes: [] } }), { code: 'E_TOTAL_FAILURE' })
  t.match(verdictOf({ ...report, deploy: { ...report.deploy, timedOut: true, unfinished: ['i-3'] } }), {
    code: 'E_TIMEOUT',
  })
})
