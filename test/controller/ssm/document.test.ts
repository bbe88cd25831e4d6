import { execFile } from 'node:child_process'
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { deployDocument } from '../../../controller/ssm/document.ts'
import { RELEASE_SELECTOR_PATTERN } from '../../../shared/release.ts'

const run = promisify(execFile)
const IMAGE = `123456789012.dkr.ecr.us-east-1.amazonaws.com/web@sha256:${'a'.repeat(64)}`

t.test('the release parameter admits an empty value or one version of a release parameter', async (t) => {
  const { release } = deployDocument().parameters
  t.strictSame(release.allowedPattern, `^$|${RELEASE_SELECTOR_PATTERN}`)
  t.equal(release.default, '')
  t.equal(release.interpolationType, 'ENV_VAR')
  const pattern = new RegExp(release.allowedPattern)
  for (const good of ['', '/ecr-deploy/prod/web:7', '/ecr-deploy/staging-2/api:123456789'])
    t.ok(pattern.test(good), good)
  for (const bad of [
    '/ecr-deploy/prod/web',
    '/ecr-deploy/prod/web:0',
    '/ecr-deploy/Prod/web:1',
    '/x/prod/web:1',
  ])
    t.notOk(pattern.test(bad), bad)
})

t.test('the action is one of deploy, pull, rollback and status', async (t) => {
  t.strictSame(deployDocument().parameters.action.allowedValues, ['deploy', 'pull', 'rollback', 'status'])
})

t.test(
  'deploy and pull run the agent with the release when one is given, else with the bare image',
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'document-'))
    t.teardown(() => rm(dir, { recursive: true, force: true }))
    await writeFile(join(dir, 'ecr-deploy-agent'), '#!/bin/sh\necho "agent $*"\n')
    await chmod(join(dir, 'ecr-deploy-agent'), 0o755)
    const script = deployDocument().mainSteps[0]?.inputs.runCommand.join('\n') ?? ''
    const agentArgs = async (release: string, action = 'deploy') => {
      const env = {
        PATH: `${dir}:/usr/bin:/bin`,
        SSM_action: action,
        SSM_service: 'web',
        SSM_image: IMAGE,
        SSM_release: release,
        SSM_to: '',
      }
      return (await run('/bin/bash', ['-c', script], { env })).stdout.trim()
    }
    t.equal(
      await agentArgs('/ecr-deploy/prod/web:7'),
      'agent deploy --service web --release /ecr-deploy/prod/web:7 --wait',
    )
    t.equal(await agentArgs(''), `agent deploy --service web --image ${IMAGE} --wait`)
    t.equal(
      await agentArgs('/ecr-deploy/prod/web:7', 'pull'),
      'agent pull --service web --release /ecr-deploy/prod/web:7',
    )
    t.equal(await agentArgs('', 'pull'), `agent pull --service web --image ${IMAGE}`)
  },
)
