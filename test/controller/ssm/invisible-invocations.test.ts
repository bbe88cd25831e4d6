import { CreateDocumentCommand } from '@aws-sdk/client-ssm'
import t, { type Test } from 'tap'
import type { DeployReport } from '../../../controller/report/fleet-report.ts'
import { summaryText } from '../../../controller/report/text.ts'
import { verdictOf } from '../../../controller/report/verdict.ts'
import { SdkFleetApi } from '../../../controller/ssm/sdk-fleet-api.ts'
import { type WaitClock, waitForCommands } from '../../../controller/ssm/waiter.ts'
import { fakeWithSsm, shellDocument } from '../../ground/fake-aws/test-clients.ts'

// The waiter over the wire against the fake SSM, whose invocations stay invisible for a while after
// SendCommand. The fake and the waiter share one clock whose sleeps move time on at once, so the window
// is measured on the waiter's own time and nothing here depends on how fast the machine is.
const A = 'i-0000000000000000a'

async function fleet(t: Test, lagMs: number) {
  let now = Date.now()
  const clock: WaitClock = {
    now: () => now,
    sleep: async (ms) => {
      now += ms
    },
    random: () => 0.5,
  }
  const { aws, ssm } = await fakeWithSsm(t, { now: () => now, ssm: { invocationLagMs: lagMs } })
  await ssm.send(new CreateDocumentCommand({ Name: 'quick', Content: shellDocument(['echo ok']) }))
  aws.ssm.addInstance({ id: A })
  const api = new SdkFleetApi(ssm)
  const commandId = await api.sendCommand({
    documentName: 'quick',
    parameters: {},
    instanceIds: [A],
    maxConcurrency: '50',
    maxErrors: '0',
    timeoutSeconds: 60,
  })
  // SSM runs the command while its invocation is invisible: it is done before the waiter starts.
  await aws.ssm.command(commandId)?.done
  const wait = () =>
    waitForCommands(api, clock, { commandIds: [commandId], deadline: now + 60_000, stepName: 'run' })
  return { aws, commandId, wait }
}

t.test('an invocation that shows after a while is waited for and read', async (t) => {
  const f = await fleet(t, 5_000)
  const result = await f.wait()
  t.strictSame(
    result.outcomes.map((o) => [o.instanceId, o.result, o.output]),
    [[A, 'succeeded', 'ok\n']],
  )
  t.notOk(result.timedOut)
  t.equal(result.unlisted, 0)
  t.ok(
    f.aws.ssm.withheld.filter((w) => w.operation === 'ListCommandInvocations').length >= 2,
    'the waiter met the window more than once',
  )
})

t.test('an invocation SSM never lists within the wait is reported unknown, not a success', async (t) => {
  const f = await fleet(t, 3_600_000)
  const result = await f.wait()
  t.ok(result.timedOut)
  t.strictSame(result.outcomes, [])
  t.equal(result.targetCount, 1, 'SSM counted the target')
  t.equal(result.unlisted, 1)
  t.ok(f.aws.ssm.withheld.length > 0, 'the waiter asked for it')
  const deployReport: DeployReport = {
    environment: 'prod',
    service: 'web',
    digest: '',
    parameterVersion: 1,
    state: 'aborted',
    stateVersion: 2,
    deploy: {
      image: 'app@sha256:1',
      release: '/ecr-deploy/prod/web:1',
      commandIds: [f.commandId],
      ...result,
    },
  }
  t.match(verdictOf(deployReport), {
    code: 'E_TIMEOUT',
    message:
      /^1 instance\(s\) had not finished when the wait ended \(0 ok, 0 failed so far\); SSM counted 1 of them among the targets but never listed their invocations/,
  })
  t.match(
    summaryText(deployReport),
    /0 succeeded, 0 unchanged, 0 failed, 1 unfinished \(timed out\), 1 never listed by SSM/,
  )
})
