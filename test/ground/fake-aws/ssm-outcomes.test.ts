import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {
  CreateDocumentCommand,
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  ListCommandInvocationsCommand,
  ListCommandsCommand,
  SendCommandCommand,
} from '@aws-sdk/client-ssm'
import t from 'tap'
import { until } from '../until.ts'
import { fakeWithSsm, shellDocument } from './test-clients.ts'

// Each subtest starts a fake of its own and mostly waits out its invocation lag: they run side by side.
t.jobs = 4

const [LINUX, MAC, WINDOWS] = ['i-0000000000000000a', 'i-0000000000000000b', 'i-0000000000000000c']

/** One step that leaves a file per instance, guarded like our deploy document. */
const guardedDocument = JSON.stringify({
  schemaVersion: '2.2',
  description: 'linux only',
  mainSteps: [
    {
      action: 'aws:runShellScript',
      name: 'linuxOnly',
      precondition: { StringEquals: ['platformType', 'Linux'] },
      inputs: { runCommand: ['touch "$DIR/$AWS_SSM_INSTANCE_ID"', 'echo ran'] },
    },
  ],
})

const invocations = async (ssm: Awaited<ReturnType<typeof fakeWithSsm>>['ssm'], id: string) => {
  const out = await ssm.send(new ListCommandInvocationsCommand({ CommandId: id, Details: true }))
  return Object.fromEntries(
    (out.CommandInvocations ?? []).map((i) => [
      i.InstanceId,
      [i.Status, i.StatusDetails, i.CommandPlugins?.[0]?.Output, i.CommandPlugins?.[0]?.ResponseCode],
    ]),
  )
}

t.test('a step whose precondition does not match is skipped: Success, nothing run', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'fake-ssm-precondition-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const { aws, ssm } = await fakeWithSsm(t)
  await ssm.send(new CreateDocumentCommand({ Name: 'guarded', Content: guardedDocument }))
  aws.ssm.addInstance({ id: LINUX, env: { DIR: dir } })
  aws.ssm.addInstance({ id: MAC, env: { DIR: dir }, platform: 'MacOS' })
  const sent = await ssm.send(new SendCommandCommand({ DocumentName: 'guarded', InstanceIds: [LINUX, MAC] }))
  const id = sent.Command?.CommandId ?? ''
  await aws.ssm.settled()
  t.same(await invocations(ssm, id), {
    [LINUX]: ['Success', 'Success', 'ran\n', 0],
    [MAC]: [
      'Success',
      'Success',
      `Step execution skipped due to unsatisfied preconditions: '"StringEquals": [platformType, Linux]'. Step name: linuxOnly`,
      0,
    ],
  })
  t.ok(existsSync(path.join(dir, LINUX)))
  t.notOk(existsSync(path.join(dir, MAC)), 'the skipped step did not run')
  const command = await ssm.send(new ListCommandsCommand({ CommandId: id }))
  t.match(command.Commands?.[0], { Status: 'Success', StatusDetails: 'Success', CompletedCount: 2 })
  const info = await ssm.send(
    new DescribeInstanceInformationCommand({ Filters: [{ Key: 'PlatformTypes', Values: ['MacOS'] }] }),
  )
  t.same(
    info.InstanceInformationList?.map((i) => [i.InstanceId, i.PlatformType]),
    [[MAC, 'MacOS']],
  )
})

t.test('delivery faults end invocations Failed without running and outside MaxErrors', async (t) => {
  const { aws, ssm } = await fakeWithSsm(t)
  await ssm.send(new CreateDocumentCommand({ Name: 'guarded', Content: guardedDocument }))
  const dir = await mkdtemp(path.join(os.tmpdir(), 'fake-ssm-delivery-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const ok = 'i-0000000000000000d'
  for (const id of [LINUX, MAC, WINDOWS, ok]) aws.ssm.addInstance({ id, env: { DIR: dir } })
  aws.faults.failDelivery(LINUX, 'Undeliverable')
  aws.faults.failDelivery(MAC, 'Invalid Platform')
  aws.faults.failDelivery(WINDOWS, 'Access Denied')
  const sent = await ssm.send(
    new SendCommandCommand({
      DocumentName: 'guarded',
      InstanceIds: [LINUX, MAC, WINDOWS, ok],
      MaxConcurrency: '1',
      MaxErrors: '0',
    }),
  )
  const id = sent.Command?.CommandId ?? ''
  await aws.ssm.settled()
  t.same(await invocations(ssm, id), {
    [LINUX]: ['Failed', 'Undeliverable', '', -1],
    [MAC]: ['Failed', 'Invalid Platform', '', -1],
    [WINDOWS]: ['Failed', 'Access Denied', '', -1],
    [ok]: ['Success', 'Success', 'ran\n', 0],
  })
  t.ok(existsSync(path.join(dir, ok)), 'MaxErrors 0 did not stop the last instance')
  t.notOk(existsSync(path.join(dir, LINUX)))
  const command = await ssm.send(new ListCommandsCommand({ CommandId: id }))
  t.match(command.Commands?.[0], {
    Status: 'Success',
    StatusDetails: 'Incomplete',
    ErrorCount: 0,
    CompletedCount: 4,
  })
  const denied = await ssm.send(new GetCommandInvocationCommand({ CommandId: id, InstanceId: WINDOWS }))
  t.match(denied, { Status: 'Failed', StatusDetails: 'Access Denied', ResponseCode: -1 })

  const all = await ssm.send(new SendCommandCommand({ DocumentName: 'guarded', InstanceIds: [LINUX] }))
  await aws.ssm.settled()
  const failed = await ssm.send(new ListCommandsCommand({ CommandId: all.Command?.CommandId ?? '' }))
  t.match(failed.Commands?.[0], { Status: 'Failed', StatusDetails: 'Failed' }, 'every one Undeliverable')

  aws.faults.clear()
  const again = await ssm.send(new SendCommandCommand({ DocumentName: 'guarded', InstanceIds: [LINUX] }))
  await aws.ssm.settled()
  t.same(await invocations(ssm, again.Command?.CommandId ?? ''), {
    [LINUX]: ['Success', 'Success', 'ran\n', 0],
  })
})

t.test('right after SendCommand the invocation does not exist yet, by default', async (t) => {
  const { aws, ssm } = await fakeWithSsm(t)
  await ssm.send(new CreateDocumentCommand({ Name: 'guarded', Content: guardedDocument }))
  const dir = await mkdtemp(path.join(os.tmpdir(), 'fake-ssm-lag-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  aws.ssm.addInstance({ id: LINUX, env: { DIR: dir } })
  // A window longer than this test, so what it sees does not depend on how fast the machine is.
  aws.ssm.setInvocationLag(3_600_000)
  const sent = await ssm.send(new SendCommandCommand({ DocumentName: 'guarded', InstanceIds: [LINUX] }))
  const CommandId = sent.Command?.CommandId ?? ''
  await t.rejects(ssm.send(new GetCommandInvocationCommand({ CommandId, InstanceId: LINUX })), {
    name: 'InvocationDoesNotExist',
    message: 'An invocation does not exist for the given command and instance.',
  })
  t.same(await invocations(ssm, CommandId), {}, 'not listed yet')
  const listed = await ssm.send(new ListCommandsCommand({ CommandId }))
  t.match(listed.Commands?.[0], { TargetCount: 1 }, 'the command itself is known')
  await until('the step to run while its invocation is invisible', () =>
    existsSync(path.join(dir, LINUX)) ? true : undefined,
  )
  t.strictSame(
    aws.ssm.withheld.map((w) => [w.operation, w.commandId, w.instanceId]),
    [
      ['GetCommandInvocation', CommandId, LINUX],
      ['ListCommandInvocations', CommandId, LINUX],
    ],
    'each read that met it is recorded',
  )
  aws.ssm.setInvocationLag(0)
  await aws.ssm.settled()
  const inv = await ssm.send(new GetCommandInvocationCommand({ CommandId, InstanceId: LINUX }))
  t.match(inv, { Status: 'Success', StandardOutputContent: 'ran\n' })
})

t.test('the default window ends by itself: settled() waits for it', async (t) => {
  const { aws, ssm } = await fakeWithSsm(t)
  await ssm.send(new CreateDocumentCommand({ Name: 'quick', Content: shellDocument(['echo ok']) }))
  aws.ssm.addInstance({ id: LINUX })
  const sent = await ssm.send(new SendCommandCommand({ DocumentName: 'quick', InstanceIds: [LINUX] }))
  const CommandId = sent.Command?.CommandId ?? ''
  await aws.ssm.settled()
  t.equal(aws.ssm.withheld.length, 0, 'nothing read it meanwhile')
  const inv = await ssm.send(new GetCommandInvocationCommand({ CommandId, InstanceId: LINUX }))
  t.match(inv, { Status: 'Success', StandardOutputContent: 'ok\n' })
  t.same(Object.keys(await invocations(ssm, CommandId)), [LINUX])
})

t.test('MaxResults is validated: 1 to 50 for commands, 5 to 50 for instances', async (t) => {
  const { ssm } = await fakeWithSsm(t)
  for (const MaxResults of [0, 51]) {
    await t.rejects(ssm.send(new ListCommandsCommand({ MaxResults })), {
      name: 'ValidationException',
      message: new RegExp(`Value '${MaxResults}' at 'maxResults' failed to satisfy constraint`),
    })
    await t.rejects(ssm.send(new ListCommandInvocationsCommand({ MaxResults })), {
      name: 'ValidationException',
    })
  }
  await t.rejects(ssm.send(new DescribeInstanceInformationCommand({ MaxResults: 4 })), {
    name: 'ValidationException',
  })
  const fine = await ssm.send(new ListCommandsCommand({ MaxResults: 50 }))
  t.same(fine.Commands, [])
})
