import t from 'tap'
import { rollbackBodySchema } from '../../agent/api/schemas.ts'
import { buildProgram } from '../../agent/cli/program.ts'
import { deployDocument } from '../../controller/ssm/document.ts'
import {
  deployArgv,
  parseResultLine,
  pullArgv,
  resultLineText,
  rollbackArgv,
  statusArgv,
} from '../../shared/agent-contract.ts'
import { isAuthErrorName } from '../../shared/aws-auth-errors.ts'

const IDS = [
  'r1',
  'r42',
  'r999999999',
  'r1000000000',
  'R1',
  'r',
  '1',
  'v1',
  'r1;reboot',
  'r1 ',
  'r-1',
  'r1.2',
]

t.test("the document's `to` and the agent API's schema accept and refuse the same release ids", async (t) => {
  const documentPattern = new RegExp(deployDocument().parameters.to.allowedPattern, 'u')
  const apiPattern = new RegExp(rollbackBodySchema.properties.to.pattern, 'u')
  const accepted = IDS.filter((id) => documentPattern.test(id))
  t.strictSame(accepted, ['r1', 'r42', 'r999999999'])
  t.strictSame(
    IDS.filter((id) => apiPattern.test(id)),
    accepted,
  )
  t.ok(documentPattern.test(''), 'the document takes an empty `to` as "the previous release"')
  t.notOk(apiPattern.test(''), 'the API is given no `to` instead')
})

t.test("every argv of the contract is a command and options the agent's CLI has", async (t) => {
  const program = buildProgram()
  for (const argv of [
    deployArgv({ service: 'web', image: 'x' }),
    pullArgv({ service: 'web', release: '/ecr-deploy/prod/web:7' }),
    pullArgv({ service: 'web', image: 'x' }),
    rollbackArgv({ service: 'web', to: 'r1' }),
    statusArgv({ service: 'web' }),
  ]) {
    const [name, ...words] = argv
    const command = program.commands.find((c) => c.name() === name)
    t.ok(command, `${name} is a command`)
    const flags = new Set(command?.options.map((o) => o.long))
    t.strictSame(
      words.filter((w) => w.startsWith('--') && !flags.has(w)),
      [],
      `${argv.join(' ')}: every flag exists`,
    )
  }
  t.strictSame(rollbackArgv({ service: 'web' }), ['rollback', '--service', 'web'])
})

t.test('a pulled line reads back as the controller sees it, keys as the other results', async (t) => {
  const digest = `sha256:${'b'.repeat(64)}`
  const line = resultLineText({
    result: 'pulled',
    service: 'web',
    image: `repo@${digest}`,
    digest,
    previousDigest: null,
    durationMs: 12,
    message: 'pulled it',
  })
  t.equal(
    line,
    `{"result":"pulled","service":"web","image":"repo@${digest}","digest":"${digest}","previousDigest":null,"durationMs":12,"message":"pulled it"}`,
  )
  t.strictSame(parseResultLine(`[  0.1s] pull: x\n${line}\n`), {
    result: 'pulled',
    digest,
    previousDigest: null,
    message: 'pulled it',
  })
})

t.test('a result line reads back as the controller sees it', async (t) => {
  const line = resultLineText({
    result: 'rolled-back',
    service: 'web',
    image: 'repo:v2',
    digest: null,
    previousDigest: null,
    durationMs: 30,
    message: 'r2 did not become healthy; r1 restored',
    code: 'E_HEALTH_FAILED',
  })
  t.equal(
    line,
    '{"result":"rolled-back","service":"web","image":"repo:v2","digest":null,"previousDigest":null,"durationMs":30,"message":"r2 did not become healthy; r1 restored","code":"E_HEALTH_FAILED"}',
  )
  t.strictSame(parseResultLine(`[  0.1s] pull: x\n{"not":"it"}\n${line}\n`), {
    result: 'rolled-back',
    digest: null,
    previousDigest: null,
    message: 'r2 did not become healthy; r1 restored',
    code: 'E_HEALTH_FAILED',
  })
  t.equal(parseResultLine('no line here'), undefined)
})

t.test('auth failures are one list for both halves', async (t) => {
  for (const name of ['AccessDeniedException', 'AccessDenied', 'ExpiredToken', 'CredentialsProviderError']) {
    t.ok(isAuthErrorName(name), name)
  }
  for (const name of ['ThrottlingException', 'ParameterNotFound', 'Error'])
    t.notOk(isAuthErrorName(name), name)
})
