import { getTasks } from 'node-cron'
import t from 'tap'
import { scheduleJobs } from '../../../agent/jobs/cron.ts'
import { exclusive } from '../../../agent/jobs/exclusive.ts'
import type { JobLog } from '../../../agent/jobs/job-log.ts'
import { DEFAULT_SCHEDULES, schedulesFromEnv } from '../../../agent/jobs/schedules.ts'
import { tokenRefreshJob } from '../../../agent/jobs/token-refresh.ts'
import type { ImageRef } from '../../../shared/image-ref.ts'

function recordingLog() {
  const entries: { level: string; fields: object; message: string }[] = []
  const log: JobLog = {
    info: (fields, message) => entries.push({ level: 'info', fields, message }),
    warn: (fields, message) => entries.push({ level: 'warn', fields, message }),
    error: (fields, message) => entries.push({ level: 'error', fields, message }),
  }
  return { log, entries }
}

t.test('a job never overlaps itself and never throws', async (t) => {
  const { log, entries } = recordingLog()
  let release: () => void = () => {}
  let runs = 0
  const job = exclusive(
    'prune',
    async () => {
      runs += 1
      if (runs === 1) await new Promise<void>((resolve) => (release = resolve))
      if (runs === 2) throw new Error('disk is gone')
      return { actions: ['removed image sha256:aaa'] }
    },
    log,
  )
  const first = job()
  await job()
  t.equal(runs, 1, 'the second call was skipped while the first ran')
  let settled = false
  const waiting = job.settled().then(() => (settled = true))
  await new Promise((resolve) => setImmediate(resolve))
  t.notOk(settled, 'settled() waits for the run in progress')
  release()
  await first
  await waiting
  t.ok(settled)
  await job()
  await job()
  t.equal(runs, 3)
  t.strictSame(
    entries.map((entry) => [entry.level, entry.message]),
    [
      ['info', 'prune: previous run still going, skipped'],
      ['info', 'prune: done'],
      ['error', 'prune failed: disk is gone'],
      ['info', 'prune: done'],
    ],
  )
})

t.test('token refresh asks once per registry in use', async (t) => {
  const asked: ImageRef[] = []
  const auth = {
    authFor: async (image: ImageRef) => {
      asked.push(image)
      return { username: 'AWS', password: 'secret', serveraddress: `https://${image.registry}` }
    },
  }
  const repositories = [
    '123456789012.dkr.ecr.us-east-1.amazonaws.com/web',
    '123456789012.dkr.ecr.us-east-1.amazonaws.com/api',
    '210987654321.dkr.ecr.eu-west-1.amazonaws.com/web',
  ]
  const report = await tokenRefreshJob({ auth, repositories: () => repositories })()
  t.strictSame(report.actions, [])
  t.strictSame(
    asked.map((ref) => ref.registry),
    ['123456789012.dkr.ecr.us-east-1.amazonaws.com', '210987654321.dkr.ecr.eu-west-1.amazonaws.com'],
  )
})

t.test('schedules: defaults, overrides, off, and a message naming the bad variable', async (t) => {
  t.strictSame(schedulesFromEnv({}), DEFAULT_SCHEDULES)
  const custom = schedulesFromEnv({
    ECR_DEPLOY_AGENT_CRON_PRUNE: '0 4 * * 0',
    ECR_DEPLOY_AGENT_CRON_DESIRED_STATE: 'off',
  })
  t.equal(custom.prune, '0 4 * * 0')
  t.equal(custom['desired-state'], 'off')
  t.throws(() => schedulesFromEnv({ ECR_DEPLOY_AGENT_CRON_RECONCILE: 'every 5 minutes' }), {
    code: 'E_CONFIG_INVALID',
    message:
      'ECR_DEPLOY_AGENT_CRON_RECONCILE="every 5 minutes" is not a cron expression: expected five fields such as "*/5 * * * *" (or six, seconds first), or "off"',
  })
})

// When a tick fires is node-cron's business; ours is what we hand it. So the test reads node-cron's own
// registry of tasks instead of waiting for a tick: the expressions, a run of each task, and stop().
t.test(
  'node-cron holds each job on its schedule, leaves "off" ones out, and stop() destroys them',
  async (t) => {
    const runs = { reconcile: 0, 'desired-state': 0, prune: 0, 'token-refresh': 0 }
    const job = (name: keyof typeof runs) => async () => {
      runs[name] += 1
    }
    const scheduled = scheduleJobs(
      {
        reconcile: '*/5 * * * *',
        'desired-state': '* * * * * *',
        prune: 'off',
        'token-refresh': '0 0 1 1 *',
      },
      {
        reconcile: job('reconcile'),
        'desired-state': job('desired-state'),
        prune: job('prune'),
        'token-refresh': job('token-refresh'),
      },
    )
    const tasks = [...getTasks().values()]
    t.strictSame(
      tasks.map((task) => [task.name, task.getPattern(), task.getStatus()]),
      [
        ['reconcile', '*/5 * * * *', 'idle'],
        ['desired-state', '* * * * * *', 'idle'],
        ['token-refresh', '0 0 1 1 *', 'idle'],
      ],
    )
    for (const task of tasks) await task.execute()
    t.strictSame(
      runs,
      { reconcile: 1, 'desired-state': 1, prune: 0, 'token-refresh': 1 },
      'each task runs its job',
    )
    await scheduled.stop()
    t.strictSame([...getTasks().values()], [], 'node-cron holds no task after stop()')
    t.strictSame(
      tasks.map((task) => task.getStatus()),
      ['destroyed', 'destroyed', 'destroyed'],
    )
  },
)
