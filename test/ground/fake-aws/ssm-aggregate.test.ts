import t from 'tap'
import { aggregate, type CommandState, type InvocationState } from './ssm/command-state.ts'

// The command status rules as pure data: no server, no scripts.
const invocation = (status: string, statusDetails = status): InvocationState => ({
  instanceId: 'i-0000000000000000a',
  instanceName: '',
  status,
  statusDetails,
  plugins: [],
})

const command = (invocations: InvocationState[], aborted = false): CommandState => {
  const abort = new AbortController()
  if (aborted) abort.abort()
  return {
    id: 'c',
    request: {},
    documentName: 'd',
    documentVersion: '$DEFAULT',
    requestedAt: 0,
    timeoutSeconds: 3600,
    maxConcurrency: '50',
    maxErrors: '0',
    status: 'Pending',
    statusDetails: 'Pending',
    invocations,
    abort,
  }
}

const undeliverable = () => invocation('Failed', 'Undeliverable')

t.test('every invocation Undeliverable: the command is Failed', async (t) => {
  t.same(aggregate(command([undeliverable(), undeliverable()]), 0), { status: 'Failed', details: 'Failed' })
})

t.test('Undeliverable ones do not count: four of them and one Success is Success', async (t) => {
  const invocations = [
    undeliverable(),
    undeliverable(),
    undeliverable(),
    undeliverable(),
    invocation('Success'),
  ]
  t.same(aggregate(command(invocations), 0), { status: 'Success', details: 'Success' })
})

t.test('Access Denied and Invalid Platform stay within MaxErrors but make it Incomplete', async (t) => {
  const invocations = [
    invocation('Failed', 'Access Denied'),
    invocation('Failed', 'Invalid Platform'),
    invocation('Success'),
  ]
  t.same(aggregate(command(invocations), 0), { status: 'Success', details: 'Incomplete' })
})

t.test('a cancelled command is Cancelling until every invocation stopped', async (t) => {
  t.same(aggregate(command([invocation('InProgress', 'In Progress')], true), 0), {
    status: 'Cancelling',
    details: 'Cancelling',
  })
  t.same(aggregate(command([invocation('Cancelled')], true), 0), {
    status: 'Cancelled',
    details: 'Cancelled',
  })
})
