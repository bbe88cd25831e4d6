import t from 'tap'
import { installExitCode, statusExitCode } from '../../../controller/report/verdict.ts'
import type { InstanceOutcome } from '../../../controller/ssm/outcome.ts'
import { ExitCode } from '../../../shared/errors.ts'

/* The exit-code rules of status and setup agents; verdictOf's are in github.test.ts. */

const outcome = (instanceId: string, result: InstanceOutcome['result']): InstanceOutcome => ({
  instanceId,
  result,
  ssmStatus: result === 'failed' ? 'Failed' : 'Success',
  durationMs: 1_000,
  message: '',
})

t.test('status: a timeout first, then any instance without a usable answer', async (t) => {
  const answered = { instanceId: 'i-1' }
  const unanswered = { instanceId: 'i-2', error: 'Failed: no agent' }
  t.equal(statusExitCode({ timedOut: false, instances: [answered] }), ExitCode.ok)
  t.equal(statusExitCode({ timedOut: false, instances: [] }), ExitCode.ok, 'no instance is not a failure')
  t.equal(statusExitCode({ timedOut: false, instances: [answered, unanswered] }), ExitCode.partialFailure)
  t.equal(statusExitCode({ timedOut: false, instances: [unanswered] }), ExitCode.partialFailure)
  t.equal(statusExitCode({ timedOut: true, instances: [unanswered] }), ExitCode.timeout)
})

t.test('setup agents: no instance or none installed is a total failure', async (t) => {
  const ok = outcome('i-1', 'succeeded')
  const failed = outcome('i-2', 'failed')
  t.equal(installExitCode({ timedOut: false, outcomes: [ok, outcome('i-3', 'unchanged')] }), ExitCode.ok)
  t.equal(installExitCode({ timedOut: false, outcomes: [ok, failed] }), ExitCode.partialFailure)
  t.equal(installExitCode({ timedOut: false, outcomes: [failed] }), ExitCode.totalFailure)
  t.equal(installExitCode({ timedOut: false, outcomes: [] }), ExitCode.totalFailure)
  t.equal(installExitCode({ timedOut: true, outcomes: [ok] }), ExitCode.timeout)
})
