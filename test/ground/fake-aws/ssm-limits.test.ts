import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {
  CreateDocumentCommand,
  GetCommandInvocationCommand,
  ListCommandInvocationsCommand,
  ListCommandsCommand,
  SendCommandCommand,
} from '@aws-sdk/client-ssm'
import t, { type Test } from 'tap'
import { until } from '../until.ts'
import { fakeWithSsm, shellDocument } from './test-clients.ts'

// Each subtest starts a fake of its own and mostly waits out its invocation lag: they run side by side.
t.jobs = 4

const ids = (n: number): string[] =>
  Array.from({ length: n }, (_, i) => `i-${String(i + 1).padStart(17, '0')}`)

/** A scratch dir shared by the scripts of one test, removed afterwards. */
async function scratch(t: Test): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'fake-ssm-test-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

const statuses = async (ssm: Awaited<ReturnType<typeof fakeWithSsm>>['ssm'], id: string) => {
  const out = await ssm.send(new ListCommandInvocationsCommand({ CommandId: id }))
  return Object.fromEntries(
    (out.CommandInvocations ?? []).map((i) => [i.InstanceId, [i.Status, i.StatusDetails]]),
  )
}

t.test('MaxConcurrency 2 on 6 instances: never more than 2 scripts at once', async (t) => {
  const dir = await scratch(t)
  const { aws, ssm } = await fakeWithSsm(t)
  const script = [
    'echo "start $(date +%s%N)" >> "$LOG/$ID"',
    'sleep 0.3',
    'echo "end $(date +%s%N)" >> "$LOG/$ID"',
  ]
  await ssm.send(new CreateDocumentCommand({ Name: 'slow-doc', Content: shellDocument(script) }))
  for (const id of ids(6)) aws.ssm.addInstance({ id, tags: { Role: 'web' }, env: { LOG: dir, ID: id } })
  const sent = await ssm.send(
    new SendCommandCommand({
      DocumentName: 'slow-doc',
      Targets: [{ Key: 'tag:Role', Values: ['web'] }],
      MaxConcurrency: '2',
    }),
  )
  await aws.ssm.settled()
  const events: [number, number][] = []
  for (const id of ids(6)) {
    for (const line of (await readFile(path.join(dir, id), 'utf8')).trim().split('\n')) {
      const [kind, ns] = line.split(' ')
      events.push([Number(BigInt(ns ?? '0') / 1000n), kind === 'start' ? 1 : -1])
    }
  }
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1])
  let running = 0
  let peak = 0
  for (const [, delta] of events) {
    running += delta
    peak = Math.max(peak, running)
  }
  t.equal(peak, 2, 'two at a time, never three')
  const command = await ssm.send(new ListCommandsCommand({ CommandId: sent.Command?.CommandId ?? '' }))
  t.match(command.Commands?.[0], {
    Status: 'Success',
    TargetCount: 6,
    CompletedCount: 6,
    MaxConcurrency: '2',
  })
})

t.test('MaxErrors 0: after the first failure the rest are not run (Cancelled, Terminated)', async (t) => {
  const dir = await scratch(t)
  const { aws, ssm } = await fakeWithSsm(t)
  await ssm.send(
    new CreateDocumentCommand({
      Name: 'fail-doc',
      Content: shellDocument(['touch "$LOG/$ID"', 'test -z "$FAIL"']),
    }),
  )
  const [first = '', ...rest] = ids(4)
  aws.ssm.addInstance({ id: first, env: { LOG: dir, ID: first, FAIL: '1' } })
  for (const id of rest) aws.ssm.addInstance({ id, env: { LOG: dir, ID: id } })
  const sent = await ssm.send(
    new SendCommandCommand({
      DocumentName: 'fail-doc',
      InstanceIds: ids(4),
      MaxConcurrency: '1',
      MaxErrors: '0',
    }),
  )
  const id = sent.Command?.CommandId ?? ''
  await aws.ssm.settled()
  t.same(await statuses(ssm, id), {
    [first]: ['Failed', 'Failed'],
    ...Object.fromEntries(rest.map((i) => [i, ['Cancelled', 'Terminated']])),
  })
  t.ok(existsSync(path.join(dir, first)))
  t.notOk(
    rest.some((i) => existsSync(path.join(dir, i))),
    'no script ran after the failure',
  )
  const command = await ssm.send(new ListCommandsCommand({ CommandId: id }))
  t.match(command.Commands?.[0], {
    Status: 'Failed',
    StatusDetails: 'Failed',
    ErrorCount: 1,
    CompletedCount: 4,
  })
  const skipped = await ssm.send(
    new GetCommandInvocationCommand({ CommandId: id, InstanceId: rest[0] ?? '' }),
  )
  t.equal(skipped.ResponseCode, -1)
})

t.test('errors within MaxErrors end Incomplete; a percentage counts of the targets', async (t) => {
  const { aws, ssm } = await fakeWithSsm(t)
  await ssm.send(new CreateDocumentCommand({ Name: 'fail-doc', Content: shellDocument(['test -z "$FAIL"']) }))
  const [bad = '', good = ''] = ids(2)
  aws.ssm.addInstance({ id: bad, env: { FAIL: '1' } })
  aws.ssm.addInstance({ id: good })
  const sent = await ssm.send(
    new SendCommandCommand({ DocumentName: 'fail-doc', InstanceIds: [bad, good], MaxErrors: '50%' }),
  )
  await aws.ssm.settled()
  const command = await ssm.send(new ListCommandsCommand({ CommandId: sent.Command?.CommandId ?? '' }))
  t.match(command.Commands?.[0], { Status: 'Success', StatusDetails: 'Incomplete', ErrorCount: 1 })
})

t.test('execution timeout: TimedOut / Execution Timed Out and the process group is killed', async (t) => {
  const dir = await scratch(t)
  const { aws, ssm } = await fakeWithSsm(t)
  // Not stopped, the script would print "finished" once its child's sleep ends.
  const script = ['sleep 5 &', 'echo $! > "$LOG/child"', 'echo started', 'wait', 'echo finished']
  await ssm.send(
    new CreateDocumentCommand({
      Name: 'hang-doc',
      Content: shellDocument(script, {}, { timeoutSeconds: 1 }),
    }),
  )
  const [id = ''] = ids(1)
  aws.ssm.addInstance({ id, env: { LOG: dir } })
  const sent = await ssm.send(new SendCommandCommand({ DocumentName: 'hang-doc', InstanceIds: [id] }))
  await aws.ssm.settled()
  const inv = await ssm.send(
    new GetCommandInvocationCommand({ CommandId: sent.Command?.CommandId ?? '', InstanceId: id }),
  )
  t.match(inv, { Status: 'TimedOut', StatusDetails: 'Execution Timed Out' })
  t.equal(inv.StandardOutputContent, 'started\n', 'stopped before its last line')
  const child = Number(await readFile(path.join(dir, 'child'), 'utf8'))
  // Killed means gone, or a zombie waiting for an init that does not reap.
  const state = await readFile(`/proc/${child}/stat`, 'utf8').then(
    (stat) => stat.split(') ')[1]?.charAt(0),
    () => 'gone',
  )
  t.ok(state === 'gone' || state === 'Z', `the background child was killed too (state ${state})`)
  const command = await ssm.send(new ListCommandsCommand({ CommandId: sent.Command?.CommandId ?? '' }))
  t.match(command.Commands?.[0], { Status: 'TimedOut', StatusDetails: 'Execution Timed Out', ErrorCount: 1 })
})

t.test('offline instances end Delivery Timed Out after the delivery timeout', async (t) => {
  const { aws, ssm } = await fakeWithSsm(t, { ssm: { deliveryTimeoutMs: 300 } })
  await ssm.send(new CreateDocumentCommand({ Name: 'echo-doc', Content: shellDocument(['echo hi']) }))
  const [up = '', down = ''] = ids(2)
  aws.ssm.addInstance({ id: up })
  aws.ssm.addInstance({ id: down, online: false })
  const sent = await ssm.send(new SendCommandCommand({ DocumentName: 'echo-doc', InstanceIds: [up, down] }))
  const id = sent.Command?.CommandId ?? ''
  await aws.ssm.settled()
  t.same(await statuses(ssm, id), {
    [up]: ['Success', 'Success'],
    [down]: ['TimedOut', 'Delivery Timed Out'],
  })
  const command = await ssm.send(new ListCommandsCommand({ CommandId: id }))
  t.match(command.Commands?.[0], {
    Status: 'TimedOut',
    StatusDetails: 'Delivery Timed Out',
    DeliveryTimedOutCount: 1,
    ErrorCount: 0,
  })
  const undelivered = await ssm.send(new GetCommandInvocationCommand({ CommandId: id, InstanceId: down }))
  t.match(undelivered, { ResponseCode: -1, ExecutionStartDateTime: '', StandardOutputContent: '' })
})

t.test('an offline instance waits Delayed and runs once back online', async (t) => {
  // The default delivery timeout (the command's hour) cannot run out while the test waits.
  const { aws, ssm } = await fakeWithSsm(t)
  await ssm.send(new CreateDocumentCommand({ Name: 'echo-doc', Content: shellDocument(['echo hi']) }))
  const [later = ''] = ids(1)
  aws.ssm.addInstance({ id: later, online: false })
  const sent = await ssm.send(new SendCommandCommand({ DocumentName: 'echo-doc', InstanceIds: [later] }))
  const id = sent.Command?.CommandId ?? ''
  const delayed = await until('the invocation to be Delayed', async () => {
    const seen = await statuses(ssm, id)
    return seen[later]?.[0] === 'Delayed' ? seen : undefined
  })
  t.same(delayed, { [later]: ['Delayed', 'Delayed'] })
  aws.faults.setInstanceOnline(later, true)
  await aws.ssm.settled()
  t.same(await statuses(ssm, id), { [later]: ['Success', 'Success'] })
})
