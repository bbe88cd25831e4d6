import t from 'tap'
import { finalStatus, withGithubDeployment } from '../../../controller/github/deployment-status.ts'
import { describedWithin } from '../../../controller/github/deployments.ts'
import { RestDeployments } from '../../../controller/github/rest-deployments.ts'
import type { DeployReport } from '../../../controller/report/fleet-report.ts'
import { type FakeGithub, startFakeGithub } from '../../support/fake-github.ts'

const TOKEN = 'ghs_000000000000000000000000000000000000'
const SHA = 'a'.repeat(40)
const DIGEST = `sha256:${'b'.repeat(64)}`
const RUN = 'https://github.com/acme/shop/actions/runs/42'

const outcome = (instanceId: string, result: 'succeeded' | 'failed') => ({
  instanceId,
  result,
  ssmStatus: result === 'failed' ? 'Failed' : 'Success',
  message: '',
})
const phase = (outcomes: ReturnType<typeof outcome>[]) => ({
  image: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/web@${DIGEST}`,
  release: '/ecr-deploy/prod/web:7',
  commandIds: ['c-1'],
  outcomes,
  targetCount: outcomes.length,
  timedOut: false,
  unfinished: [],
  unlisted: 0,
})
const stable: DeployReport = {
  environment: 'prod',
  service: 'web',
  digest: DIGEST,
  parameterVersion: 7,
  state: 'stable',
  stateVersion: 8,
  replaces: 5,
  deploy: phase([outcome('i-0000000000000000a', 'succeeded'), outcome('i-0000000000000000b', 'succeeded')]),
}
const aborted: DeployReport = {
  ...stable,
  state: 'aborted',
  deploy: phase([outcome('i-0000000000000000a', 'succeeded'), outcome('i-0000000000000000b', 'failed')]),
  rollback: phase([outcome('i-0000000000000000a', 'succeeded')]),
}

const request = {
  environment: 'prod',
  service: 'web',
  ref: SHA,
  logUrl: RUN,
  environmentUrl: 'https://shop.example.com',
}

function run(github: FakeGithub, work: () => Promise<DeployReport>) {
  const warnings: string[] = []
  const api = new RestDeployments({ apiUrl: `${github.url}/`, repository: 'acme/shop', token: TOKEN })
  return { warnings, done: withGithubDeployment(api, (text) => warnings.push(text), request, work) }
}

t.test(
  'a stable release: a deployment of the commit, in_progress, then success with the links',
  async (t) => {
    const github = await startFakeGithub(t)
    const { warnings, done } = run(github, async () => stable)
    t.equal(await done, stable)
    t.strictSame(warnings, [])
    t.strictSame(
      github.calls.map((c) => [c.method, c.path, c.body.state ?? '']),
      [
        ['POST', '/repos/acme/shop/deployments', ''],
        ['POST', '/repos/acme/shop/deployments/1001/statuses', 'in_progress'],
        ['POST', '/repos/acme/shop/deployments/1001/statuses', 'success'],
      ],
    )
    t.strictSame(github.calls[0]?.body, {
      ref: SHA,
      environment: 'prod',
      description: 'ecr-deploy prod/web',
      auto_merge: false,
      required_contexts: [],
    })
    t.strictSame(github.calls[2]?.body, {
      state: 'success',
      description: `prod/web release 7 is stable on 2 instance(s): ${DIGEST}`,
      log_url: RUN,
      environment_url: 'https://shop.example.com',
    })
    for (const call of github.calls) {
      t.equal(call.authorization, `Bearer ${TOKEN}`)
      t.equal(call.apiVersion, '2022-11-28')
    }
  },
)

t.test('an aborted release ends in failure, naming the failures and the release sent back', async (t) => {
  const github = await startFakeGithub(t)
  const { done } = run(github, async () => aborted)
  await done
  t.strictSame(
    github.calls.map((c) => c.body.state),
    [undefined, 'in_progress', 'failure'],
  )
  t.equal(
    github.calls[2]?.body.description,
    'prod/web release 7 failed on 1 of 2 instance(s), aborted; stable release 5 sent back to 1 instance(s)',
  )
})

t.test('a deploy that throws is marked failure with its message, and the error goes on', async (t) => {
  const github = await startFakeGithub(t)
  const { done } = run(github, async () => {
    throw new Error(
      `PutParameter (/ecr-deploy/prod/web) was refused: AccessDeniedException: ${'x'.repeat(200)}`,
    )
  })
  await t.rejects(done, /PutParameter/)
  const last = github.calls.at(-1)?.body
  t.equal(last?.state, 'failure')
  t.equal([...String(last?.description)].length, 140, 'cut to 140 characters')
  t.match(last?.description, /^prod\/web: PutParameter \(\/ecr-deploy\/prod\/web\) was refused: .*…$/)
})

t.test('a token GitHub refuses (403) is a warning, without the token; the deploy is untouched', async (t) => {
  const github = await startFakeGithub(t)
  github.refuse('/deployments', 403, 'Resource not accessible by integration')
  const { warnings, done } = run(github, async () => stable)
  t.equal(await done, stable)
  t.equal(github.calls.length, 1, 'no status for a deployment that was not created')
  t.strictSame(warnings, [
    `no GitHub deployment was created: POST ${github.url}/repos/acme/shop/deployments answered 403: Resource not accessible by integration (the token needs \`permissions: deployments: write\` in the job, and github-token must be for this repository); the deploy goes on without it`,
  ])
  t.notMatch(warnings.join('\n'), TOKEN)
})

t.test('a status GitHub refuses, or a GitHub that does not answer, is a warning too', async (t) => {
  const github = await startFakeGithub(t)
  github.refuse('/statuses', 401, 'Bad credentials')
  const { warnings, done } = run(github, async () => aborted)
  t.equal(await done, aborted)
  t.match(warnings, [
    /^the GitHub deployment 1001 was not marked in_progress: .* answered 401: Bad credentials/,
    /^the GitHub deployment 1001 was not marked failure: /,
  ])

  const nowhere = new RestDeployments({ apiUrl: 'http://127.0.0.1:9', repository: 'acme/shop', token: TOKEN })
  const offline: string[] = []
  await withGithubDeployment(
    nowhere,
    (text) => offline.push(text),
    request,
    async () => stable,
  )
  t.match(offline, [
    /^no GitHub deployment was created: POST http:\/\/127.0.0.1:9\/repos\/acme\/shop\/deployments reached nothing: /,
  ])
  t.notMatch(offline.join('\n'), TOKEN)
})

t.test('descriptions stay within 140 characters, counted in code points', async (t) => {
  t.equal(describedWithin('short  text\n'), 'short text')
  const long = describedWithin('é'.repeat(200))
  t.equal([...long].length, 140)
  t.ok(long.endsWith('…'))
  t.equal(finalStatus({ ...stable, deploy: { ...stable.deploy, timedOut: true } }).state, 'failure')
})
