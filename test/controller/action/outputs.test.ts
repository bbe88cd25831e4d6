import t from 'tap'
import { outputValues } from '../../../controller/action/outputs.ts'
import type { DeployReport, PhaseReport } from '../../../controller/report/fleet-report.ts'
import { outputs } from '../../../controller/report/github.ts'
import type { InstanceOutcome } from '../../../controller/ssm/outcome.ts'
import { parseOutputFile } from '../../support/runner-env.ts'

const DIGEST = `sha256:${'b'.repeat(64)}`
const outcome = (instanceId: string, result: InstanceOutcome['result']): InstanceOutcome => ({
  instanceId,
  result,
  ssmStatus: result === 'failed' ? 'Failed' : 'Success',
  message: result,
})
const phase = (commandIds: string[], outcomes: InstanceOutcome[]): PhaseReport => ({
  image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/web@${DIGEST}`,
  release: '/ecr-deploy/prod/web:3',
  commandIds,
  outcomes,
  targetCount: outcomes.length,
  timedOut: false,
  unfinished: [],
  unlisted: 0,
})

const deployed: DeployReport = {
  environment: 'prod',
  service: 'web',
  digest: DIGEST,
  parameterVersion: 3,
  state: 'stable',
  stateVersion: 4,
  deploy: phase(['c-1'], [outcome('i-1', 'succeeded'), outcome('i-2', 'unchanged')]),
}
const rolledBack: DeployReport = {
  ...deployed,
  state: 'aborted',
  deploy: phase(['c-1', 'c-2'], [outcome('i-1', 'succeeded'), outcome('i-2', 'failed')]),
  rollback: phase(['c-3'], [outcome('i-1', 'succeeded')]),
}

t.test('the six outputs, exactly', async (t) => {
  t.strictSame(outputValues(deployed), {
    digest: DIGEST,
    'release-version': '3',
    'command-id': 'c-1',
    succeeded: '2',
    failed: '0',
    'rolled-back': 'false',
  })
  t.strictSame(outputValues(rolledBack), {
    digest: DIGEST,
    'release-version': '3',
    'command-id': 'c-1,c-2',
    succeeded: '1',
    failed: '1',
    'rolled-back': 'true',
  })
})

t.test('the same values the CLI writes to $GITHUB_OUTPUT', async (t) => {
  for (const report of [deployed, rolledBack]) {
    t.strictSame(outputValues(report), parseOutputFile(outputs(report, 'ghadelimiter_test')))
  }
})
