import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { loadGround } from '../ground/ground.ts'
import { until } from '../ground/until.ts'
import { startFakeGithub } from '../support/fake-github.ts'
import { fleetStub, stubInstanceEnv } from '../support/fleet-stub.ts'
import { installDeployDocument, startFakeOnGround } from '../support/ground-aws.ts'
import { actionCheckout, runAction, startAction } from '../support/run-action.ts'

// The committed bundle as the runner runs it, with github-deployment: true, against the fake AWS (a
// stand-in agent on two simulated instances) and a local fake of GitHub's deployments endpoints.
const ground = loadGround()
// Each subtest starts its own fake AWS and stand-in fleet and spends most of its time waiting on SSM (the
// invocations it shows only after a moment, the controller's polls between reads): they run side by side.
t.jobs = 4
const TOKEN = 'ghs_abcdefghijklmnopqrstuvwxyz0123456789'
const SHA = 'c'.repeat(40)

async function setUp(t: Test, modes: readonly ('ok' | 'unhealthy')[], gated = false) {
  const aws = await startFakeOnGround(ground, { ssm: { deliveryTimeoutMs: 500 } })
  const dir = await mkdtemp(join(tmpdir(), 'action-github-'))
  const gate = gated ? join(dir, 'gate') : ''
  t.teardown(async () => {
    if (gated) await writeFile(gate, '')
    await aws.ssm.settled()
    await aws.close()
    await rm(dir, { recursive: true, force: true })
  })
  const stub = await fleetStub(t)
  modes.forEach((mode, n) => {
    const id = `i-000000000000000${n}a`
    aws.ssm.addInstance({
      id,
      tags: { Role: 'web' },
      env: stubInstanceEnv(stub, id, mode, '', undefined, gate),
    })
  })
  await installDeployDocument(aws, ground.region)
  const github = await startFakeGithub(t)
  const checkout = await actionCheckout(dir)
  const args: Parameters<typeof runAction> = [
    aws,
    checkout,
    dir,
    {
      environment: 'prod',
      service: 'web',
      image: ground.images.v1.uri,
      targets: 'tag:Role=web',
      timeout: '60',
      'github-deployment': 'true',
      'github-token': TOKEN,
      'environment-url': 'https://shop.example.com',
    },
    {
      GITHUB_API_URL: github.url,
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_REPOSITORY: 'acme/shop',
      GITHUB_RUN_ID: '42',
      GITHUB_SHA: SHA,
      GITHUB_ACTOR: 'octocat',
    },
  ]
  const deploy = () => runAction(...args)
  const start = () => startAction(...args)
  return { aws, github, stub, deploy, start }
}

t.test('a deploy shows in GitHub: created for the commit, in_progress, then success', async (t) => {
  const { aws, github, deploy } = await setUp(t, ['ok', 'ok'])
  const run = await deploy()
  t.equal(run.code, 0, `${run.stdout}\n${run.stderr}`)
  t.strictSame(
    github.calls.map((c) => `${c.path} ${c.body.state ?? c.body.environment}`),
    [
      '/repos/acme/shop/deployments prod',
      '/repos/acme/shop/deployments/1001/statuses in_progress',
      '/repos/acme/shop/deployments/1001/statuses success',
    ],
  )
  t.match(github.calls[0]?.body, { ref: SHA, auto_merge: false, required_contexts: [] })
  t.match(github.calls[2]?.body, {
    log_url: 'https://github.com/acme/shop/actions/runs/42',
    environment_url: 'https://shop.example.com',
    description: /^prod\/web release 1 is stable on 2 instance\(s\): sha256:/,
  })
  t.ok(github.calls.every((c) => c.authorization === `Bearer ${TOKEN}`))
  t.match(run.stdout, `::add-mask::${TOKEN}`, 'the token is masked for the rest of the job')
  t.equal(aws.ssm.parameter('/ecr-deploy-lock/prod/web'), undefined, 'the lock was taken and released')
})

t.test('a failed rollout is a failure status; the deploy fails on its own account', async (t) => {
  const { github, deploy } = await setUp(t, ['ok', 'unhealthy'])
  const run = await deploy()
  t.equal(run.code, 1)
  t.strictSame(
    github.calls.map((c) => c.body.state),
    [undefined, 'in_progress', 'failure'],
  )
  t.match(github.calls[2]?.body.description, /^prod\/web release 1 failed on 1 of 2 instance\(s\), aborted/)
})

t.test('a token without deployments: write is a warning and the deploy succeeds', async (t) => {
  const { github, deploy } = await setUp(t, ['ok'])
  github.refuse('/deployments', 403, 'Resource not accessible by integration')
  const run = await deploy()
  t.equal(run.code, 0, `${run.stdout}\n${run.stderr}`)
  t.match(
    run.stdout,
    /^::warning::no GitHub deployment was created: POST .* answered 403: Resource not accessible by integration/m,
  )
  const printed = [run.stdout, run.stderr, run.summary].join('\n')
  t.equal(printed.split(TOKEN).length - 1, 1, 'the token appears only in the ::add-mask:: line')
})

t.test('a cancelled run (SIGTERM) releases the lock and marks the deployment failure', async (t) => {
  const { aws, github, stub, start } = await setUp(t, ['ok'], true)
  const started = await start()
  await until('the deploy on the instance', async () =>
    (await stub.calls()).length === 1 ? true : undefined,
  )
  t.match(JSON.parse(aws.ssm.parameter('/ecr-deploy-lock/prod/web') ?? '{}'), { actor: 'octocat' })
  started.child.kill('SIGTERM')
  const run = await started.done
  t.equal(run.code, 130)
  t.match(run.stdout, /^::error::error \[E_INTERRUPTED\]: stopped by SIGTERM/m)
  t.equal(aws.ssm.parameter('/ecr-deploy-lock/prod/web'), undefined, 'released before the step ended')
  t.strictSame(
    github.calls.map((c) => c.body.state),
    [undefined, 'in_progress', 'failure'],
  )
  t.equal(
    github.calls[2]?.body.description,
    'prod/web: the run was cancelled while rolling out; the release stays rolling',
  )
})
