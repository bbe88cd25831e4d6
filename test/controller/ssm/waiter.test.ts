import t from 'tap'
import { awsFailure } from '../../../controller/aws-errors.ts'
import type { CommandState, Invocation, InvocationPage } from '../../../controller/ssm/fleet-api.ts'
import { type WaitClock, waitForCommands } from '../../../controller/ssm/waiter.ts'
import { type AgentResultKind, resultLineText } from '../../../shared/agent-contract.ts'
import { inTurn, recordingFleetApi } from '../../support/recording-fleet-api.ts'

/** A clock whose sleeps only move time forward, recording each wait. */
function fakeClock(random = 0.5): WaitClock & { sleeps: number[] } {
  let now = 1_000_000
  const sleeps: number[] = []
  return {
    sleeps,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms)
      now += ms
    },
    random: () => random,
  }
}

/** An error as SSM names it; the adapter wraps it in a catalogue error with the operation, as below. */
const named = (name: string, message: string) => Object.assign(new Error(message), { name })
const throttle = (operation: string, subject: string) =>
  awsFailure(operation, named('ThrottlingException', 'Rate exceeded'), subject)

const command = (status: CommandState['status'], targetCount: number): CommandState => ({
  commandId: 'c1',
  status,
  targetCount,
  completedCount: 0,
})

const invocation = (id: string, status: string, details = status, output = ''): Invocation => ({
  instanceId: id,
  status,
  statusDetails: details,
  responseCode: status === 'Success' ? 0 : 1,
  output,
})

const page = (...invocations: Invocation[]): InvocationPage => ({ invocations })

const resultLine = (result: AgentResultKind) =>
  `pulling\n${resultLineText({ result, digest: `sha256:${'a'.repeat(64)}`, previousDigest: null, message: result })}`

t.test('waits out eventual consistency, then reports every instance once', async (t) => {
  const api = recordingFleetApi({
    getCommand: inTurn(undefined, command('InProgress', 2), command('Success', 2)),
    listInvocations: inTurn(
      page(),
      page(
        invocation('i-1', 'Success', 'Success', resultLine('deployed')),
        invocation('i-2', 'InProgress', 'In Progress'),
      ),
      page(
        invocation('i-1', 'Success', 'Success', resultLine('deployed')),
        invocation('i-2', 'Success', 'Success', resultLine('unchanged')),
      ),
    ),
  })
  const clock = fakeClock()
  const seen: string[] = []
  const result = await waitForCommands(api, clock, {
    commandIds: ['c1'],
    deadline: clock.now() + 60_000,
    stepName: 'ecrDeployAgent',
    onOutcome: (o) => seen.push(`${o.instanceId}:${o.result}`),
  })
  t.strictSame(seen, ['i-1:succeeded', 'i-2:unchanged'])
  t.equal(result.targetCount, 2)
  t.notOk(result.timedOut)
  t.strictSame(clock.sleeps, [1000, 1500], 'intervals grow between rounds')
})

t.test('delivery failures are failures even when SSM calls the command a success', async (t) => {
  const api = recordingFleetApi({
    getCommand: inTurn(command('Success', 4)),
    listInvocations: inTurn(
      page(
        invocation('i-1', 'Failed', 'Undeliverable'),
        invocation('i-2', 'TimedOut', 'Delivery Timed Out'),
        invocation('i-3', 'Cancelled', 'Terminated'),
        invocation('i-4', 'Failed', 'Access Denied'),
      ),
    ),
    getOutput: inTurn({ stdout: '', stderr: 'bash: ecr-deploy-agent: not found' }),
  })
  const clock = fakeClock()
  const result = await waitForCommands(api, clock, {
    commandIds: ['c1'],
    deadline: clock.now() + 60_000,
    stepName: 'ecrDeployAgent',
  })
  t.strictSame(
    result.outcomes.map((o) => [o.instanceId, o.result, o.ssmStatus]),
    [
      ['i-1', 'failed', 'Failed (Undeliverable)'],
      ['i-2', 'failed', 'TimedOut (Delivery Timed Out)'],
      ['i-3', 'failed', 'Cancelled (Terminated)'],
      ['i-4', 'failed', 'Failed (Access Denied)'],
    ],
  )
  t.match(result.outcomes[0]?.message, /could not reach the instance/)
  t.equal(result.outcomes[0]?.outputTail, 'bash: ecr-deploy-agent: not found')
  t.strictSame(api.callsOf('getOutput')[0]?.args, ['c1', 'i-1', 'ecrDeployAgent'])
})

t.test('a throttling storm backs off with jitter and still finishes', async (t) => {
  const api = recordingFleetApi({
    getCommand: inTurn(
      throttle('ListCommands', 'c1'),
      throttle('ListCommands', 'c1'),
      throttle('ListCommands', 'c1'),
      command('Success', 1),
    ),
    listInvocations: inTurn(page(invocation('i-1', 'Success', 'Success', resultLine('deployed')))),
  })
  const clock = fakeClock(0.5)
  const result = await waitForCommands(api, clock, {
    commandIds: ['c1'],
    deadline: clock.now() + 600_000,
    stepName: 's',
  })
  t.equal(result.outcomes.length, 1)
  t.strictSame(clock.sleeps, [1000, 2000, 4000], 'full jitter over a doubling ceiling (random = 0.5)')
})

t.test('pages of 50 are all read, one page request per 50 instances per round', async (t) => {
  const ids = Array.from({ length: 120 }, (_, i) => `i-${String(i).padStart(3, '0')}`)
  const pages = [ids.slice(0, 50), ids.slice(50, 100), ids.slice(100)]
  const api = recordingFleetApi({
    getCommand: inTurn(command('Success', 120)),
    listInvocations: async (_commandId, nextToken) => {
      const index = nextToken ? Number(nextToken) : 0
      return {
        invocations: (pages[index] ?? []).map((id) =>
          invocation(id, 'Success', 'Success', resultLine('deployed')),
        ),
        ...(index < 2 ? { nextToken: String(index + 1) } : {}),
      }
    },
  })
  const clock = fakeClock()
  const result = await waitForCommands(api, clock, {
    commandIds: ['c1'],
    deadline: clock.now() + 60_000,
    stepName: 's',
  })
  t.equal(result.outcomes.length, 120)
  t.equal(api.callsOf('listInvocations').length, 3)
  t.strictSame(
    api.callsOf('listInvocations').map((c) => c.args),
    [
      ['c1', undefined],
      ['c1', '1'],
      ['c1', '2'],
    ],
    'each page asks for the token the page before it gave',
  )
})

t.test('the deadline ends the wait and names the unfinished instances', async (t) => {
  const api = recordingFleetApi({
    getCommand: inTurn(command('InProgress', 2)),
    listInvocations: inTurn(
      page(
        invocation('i-1', 'Success', 'Success', resultLine('deployed')),
        invocation('i-2', 'InProgress', 'In Progress'),
      ),
    ),
  })
  const clock = fakeClock()
  const result = await waitForCommands(api, clock, {
    commandIds: ['c1'],
    deadline: clock.now() + 10_000,
    stepName: 's',
  })
  t.ok(result.timedOut)
  t.strictSame(result.unfinished, ['i-2'])
  t.equal(
    clock.sleeps.reduce((a, b) => a + b, 0),
    10_000,
    'never sleeps past the deadline',
  )
})

t.test('zero targets: the command succeeds with nobody to report', async (t) => {
  const api = recordingFleetApi({
    getCommand: inTurn(command('Success', 0)),
    listInvocations: inTurn(page()),
  })
  const clock = fakeClock()
  const result = await waitForCommands(api, clock, {
    commandIds: ['c1'],
    deadline: clock.now() + 60_000,
    stepName: 's',
  })
  t.strictSame(result.outcomes, [])
  t.equal(result.targetCount, 0)
  t.notOk(result.timedOut)
})

t.test('an access error is not waited out: it ends the wait as an auth failure', async (t) => {
  const api = recordingFleetApi({
    getCommand: inTurn(awsFailure('ListCommands', named('AccessDeniedException', 'not authorized'), 'c1')),
  })
  const clock = fakeClock()
  await t.rejects(
    waitForCommands(api, clock, { commandIds: ['c1'], deadline: clock.now() + 60_000, stepName: 's' }),
    {
      code: 'E_AWS_AUTH',
      message: /ListCommands \(c1\) was refused: AccessDeniedException/,
    },
  )
  t.equal(api.calls.length, 1, 'no second attempt')
})

const denied = () =>
  awsFailure(
    'GetCommandInvocation',
    named('AccessDeniedException', 'not authorized to perform ssm:GetCommandInvocation'),
    'i-1',
  )

const notYet = () =>
  awsFailure('GetCommandInvocation', named('InvocationDoesNotExist', 'An invocation does not exist'), 'i-1')

// The listing keeps 2,500 characters, so a chatty agent's result line is only in GetCommandInvocation.
const cutOutput = `${'[  0.1s] pull: layer\n'.repeat(120)}`.slice(0, 2500)

t.test('SSM Success whose result could not be read is a failure, never a success', async (t) => {
  const api = recordingFleetApi({
    getCommand: inTurn(command('Success', 1)),
    listInvocations: inTurn(page(invocation('i-1', 'Success', 'Success', cutOutput))),
    getOutput: inTurn(denied()),
  })
  const clock = fakeClock()
  const result = await waitForCommands(api, clock, {
    commandIds: ['c1'],
    deadline: clock.now() + 60_000,
    stepName: 'ecrDeployAgent',
  })
  t.strictSame(
    result.outcomes.map((o) => [o.instanceId, o.result]),
    [['i-1', 'failed']],
  )
  t.match(result.outcomes[0]?.message, /GetCommandInvocation .*AccessDeniedException/)
  t.match(result.outcomes[0]?.message, /result is unknown/)
})

t.test('an invocation GetCommandInvocation does not know yet, or throttles, is read again', async (t) => {
  const api = recordingFleetApi({
    getCommand: inTurn(command('Success', 1)),
    listInvocations: inTurn(page(invocation('i-1', 'Success', 'Success', cutOutput))),
    getOutput: inTurn(notYet(), throttle('GetCommandInvocation', 'i-1'), {
      stdout: `${cutOutput}\n${resultLine('deployed')}`,
      stderr: '',
    }),
  })
  const clock = fakeClock()
  const result = await waitForCommands(api, clock, {
    commandIds: ['c1'],
    deadline: clock.now() + 60_000,
    stepName: 'ecrDeployAgent',
  })
  t.strictSame(
    result.outcomes.map((o) => [o.instanceId, o.result, o.message]),
    [['i-1', 'succeeded', 'deployed']],
  )
  t.equal(api.callsOf('getOutput').length, 3)
  t.notOk(result.timedOut)
})
