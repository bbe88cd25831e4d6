import {
  type CommandInvocation,
  type CommandInvocationStatus,
  type CommandPluginStatus,
  GetCommandInvocationCommand,
  ListCommandInvocationsCommand,
  ListCommandsCommand,
  SSMClient,
  SSMServiceException,
} from '@aws-sdk/client-ssm'
import { mockClient } from 'aws-sdk-client-mock'
import t from 'tap'
import { SdkFleetApi } from '../../../controller/ssm/sdk-fleet-api.js'
import { type WaitClock, waitForCommands } from '../../../controller/ssm/waiter.js'
import { type AgentResultKind, resultLineText } from '../../../shared/agent-contract.js'

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

const throttle = () =>
  new SSMServiceException({
    name: 'ThrottlingException',
    $fault: 'client',
    $metadata: {},
    message: 'Rate exceeded',
  })

const invocation = (id: string, status: string, details = status, output = ''): CommandInvocation => ({
  InstanceId: id,
  Status: status as CommandInvocationStatus,
  StatusDetails: details,
  CommandPlugins: [
    {
      Name: 'ecrDeployAgent',
      Status: status as CommandPluginStatus,
      Output: output,
      ResponseCode: status === 'Success' ? 0 : 1,
    },
  ],
})

const resultLine = (result: AgentResultKind) =>
  `pulling\n${resultLineText({ result, digest: `sha256:${'a'.repeat(64)}`, previousDigest: null, message: result })}`

function setup() {
  const mock = mockClient(SSMClient)
  const client = new SSMClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    maxAttempts: 1,
  })
  return { mock, api: new SdkFleetApi(client) }
}

t.test('waits out eventual consistency, then reports every instance once', async (t) => {
  const { mock, api } = setup()
  mock
    .on(ListCommandsCommand)
    .resolvesOnce({ Commands: [] })
    .resolvesOnce({ Commands: [{ Status: 'InProgress', TargetCount: 2 }] })
    .resolves({ Commands: [{ Status: 'Success', TargetCount: 2 }] })
  mock
    .on(ListCommandInvocationsCommand)
    .resolvesOnce({ CommandInvocations: [] })
    .resolvesOnce({
      CommandInvocations: [
        invocation('i-1', 'Success', 'Success', resultLine('deployed')),
        invocation('i-2', 'InProgress', 'In Progress'),
      ],
    })
    .resolves({
      CommandInvocations: [
        invocation('i-1', 'Success', 'Success', resultLine('deployed')),
        invocation('i-2', 'Success', 'Success', resultLine('unchanged')),
      ],
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
  const { mock, api } = setup()
  mock.on(ListCommandsCommand).resolves({ Commands: [{ Status: 'Success', TargetCount: 4 }] })
  mock.on(ListCommandInvocationsCommand).resolves({
    CommandInvocations: [
      invocation('i-1', 'Failed', 'Undeliverable'),
      invocation('i-2', 'TimedOut', 'Delivery Timed Out'),
      invocation('i-3', 'Cancelled', 'Terminated'),
      invocation('i-4', 'Failed', 'Access Denied'),
    ],
  })
  mock
    .on(GetCommandInvocationCommand)
    .resolves({ StandardOutputContent: '', StandardErrorContent: 'bash: ecr-deploy-agent: not found' })
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
  t.equal(mock.commandCalls(GetCommandInvocationCommand)[0]?.args[0].input.PluginName, 'ecrDeployAgent')
})

t.test('a throttling storm backs off with jitter and still finishes', async (t) => {
  const { mock, api } = setup()
  mock
    .on(ListCommandsCommand)
    .rejectsOnce(throttle())
    .rejectsOnce(throttle())
    .rejectsOnce(throttle())
    .resolves({ Commands: [{ Status: 'Success', TargetCount: 1 }] })
  mock
    .on(ListCommandInvocationsCommand)
    .resolves({ CommandInvocations: [invocation('i-1', 'Success', 'Success', resultLine('deployed'))] })
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
  const { mock, api } = setup()
  const ids = Array.from({ length: 120 }, (_, i) => `i-${String(i).padStart(3, '0')}`)
  const pages = [ids.slice(0, 50), ids.slice(50, 100), ids.slice(100)]
  mock.on(ListCommandsCommand).resolves({ Commands: [{ Status: 'Success', TargetCount: 120 }] })
  mock.on(ListCommandInvocationsCommand).callsFake(async (input: { NextToken?: string }) => {
    const index = input.NextToken ? Number(input.NextToken) : 0
    return {
      CommandInvocations: (pages[index] ?? []).map((id) =>
        invocation(id, 'Success', 'Success', resultLine('deployed')),
      ),
      ...(index < 2 ? { NextToken: String(index + 1) } : {}),
    }
  })
  const clock = fakeClock()
  const result = await waitForCommands(api, clock, {
    commandIds: ['c1'],
    deadline: clock.now() + 60_000,
    stepName: 's',
  })
  t.equal(result.outcomes.length, 120)
  t.equal(mock.commandCalls(ListCommandInvocationsCommand).length, 3)
  t.ok(
    mock
      .commandCalls(ListCommandInvocationsCommand)
      .every((c) => c.args[0].input.MaxResults === 50 && c.args[0].input.Details === true),
  )
})

t.test('the deadline ends the wait and names the unfinished instances', async (t) => {
  const { mock, api } = setup()
  mock.on(ListCommandsCommand).resolves({ Commands: [{ Status: 'InProgress', TargetCount: 2 }] })
  mock.on(ListCommandInvocationsCommand).resolves({
    CommandInvocations: [
      invocation('i-1', 'Success', 'Success', resultLine('deployed')),
      invocation('i-2', 'InProgress', 'In Progress'),
    ],
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
  const { mock, api } = setup()
  mock.on(ListCommandsCommand).resolves({ Commands: [{ Status: 'Success', TargetCount: 0 }] })
  mock.on(ListCommandInvocationsCommand).resolves({ CommandInvocations: [] })
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
  const { mock, api } = setup()
  mock.on(ListCommandsCommand).rejects(
    new SSMServiceException({
      name: 'AccessDeniedException',
      $fault: 'client',
      $metadata: {},
      message: 'not authorized',
    }),
  )
  const clock = fakeClock()
  await t.rejects(
    waitForCommands(api, clock, { commandIds: ['c1'], deadline: clock.now() + 60_000, stepName: 's' }),
    {
      code: 'E_AWS_AUTH',
      message: /ListCommands \(c1\) was refused: AccessDeniedException/,
    },
  )
})

const denied = () =>
  new SSMServiceException({
    name: 'AccessDeniedException',
    $fault: 'client',
    $metadata: {},
    message: 'not authorized to perform ssm:GetCommandInvocation',
  })

const notYet = () =>
  new SSMServiceException({
    name: 'InvocationDoesNotExist',
    $fault: 'client',
    $metadata: {},
    message: 'An invocation does not exist',
  })

// The listing keeps 2,500 characters, so a chatty agent's result line is only in GetCommandInvocation.
const cutOutput = `${'[  0.1s] pull: layer\n'.repeat(120)}`.slice(0, 2500)

t.test('SSM Success whose result could not be read is a failure, never a success', async (t) => {
  const { mock, api } = setup()
  mock.on(ListCommandsCommand).resolves({ Commands: [{ Status: 'Success', TargetCount: 1 }] })
  mock
    .on(ListCommandInvocationsCommand)
    .resolves({ CommandInvocations: [invocation('i-1', 'Success', 'Success', cutOutput)] })
  mock.on(GetCommandInvocationCommand).rejects(denied())
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
  const { mock, api } = setup()
  mock.on(ListCommandsCommand).resolves({ Commands: [{ Status: 'Success', TargetCount: 1 }] })
  mock
    .on(ListCommandInvocationsCommand)
    .resolves({ CommandInvocations: [invocation('i-1', 'Success', 'Success', cutOutput)] })
  mock
    .on(GetCommandInvocationCommand)
    .rejectsOnce(notYet())
    .rejectsOnce(throttle())
    .resolves({ StandardOutputContent: `${cutOutput}\n${resultLine('deployed')}`, StandardErrorContent: '' })
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
  t.equal(mock.commandCalls(GetCommandInvocationCommand).length, 3)
  t.notOk(result.timedOut)
})
