import t from 'tap'
import { commandRequests } from '../../../controller/ssm/send-command.ts'

const plan = {
  documentName: 'ecr-ssm-deploy',
  parameters: { action: 'deploy', service: 'web', image: 'img@sha256:x' },
  maxConcurrency: '25%',
  maxErrors: '0',
  timeoutSeconds: 900,
}

t.test('tag targets are one request and SSM does the rolling', async (t) => {
  t.strictSame(
    commandRequests({
      ...plan,
      targeting: { kind: 'targets', targets: [{ key: 'tag:Role', values: ['web'] }] },
      comment: 'v2',
    }),
    [
      {
        documentName: 'ecr-ssm-deploy',
        parameters: { action: ['deploy'], service: ['web'], image: ['img@sha256:x'] },
        maxConcurrency: '25%',
        maxErrors: '0',
        timeoutSeconds: 900,
        comment: 'v2',
        targets: [{ key: 'tag:Role', values: ['web'] }],
      },
    ],
  )
})

t.test('more than 50 ids are split 50 per request, each with the same rate control', async (t) => {
  const ids = Array.from({ length: 120 }, (_, i) => `i-${String(i).padStart(17, '0')}`)
  const requests = commandRequests({ ...plan, targeting: { kind: 'instances', instanceIds: ids } })
  t.strictSame(
    requests.map((r) => r.instanceIds?.length),
    [50, 50, 20],
  )
  t.strictSame(
    requests.flatMap((r) => r.instanceIds),
    ids,
  )
  t.ok(requests.every((r) => r.maxConcurrency === '25%' && r.maxErrors === '0' && r.targets === undefined))
})
