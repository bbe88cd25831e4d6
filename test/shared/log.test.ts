import t, { type Test } from 'tap'
import { createLogger, hideInLogs } from '../../shared/log.ts'

const PASSWORD = 'eyJwYXlsb2FkIjoicmVkYWN0LW1lLXBsZWFzZSJ9-log-test'
const TOKEN = Buffer.from(`AWS:${PASSWORD}`).toString('base64')
const SECRET_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYLOGTESTKEY'
const SESSION_TOKEN = 'IQoJb3JpZ2luX2VjEFAaCXVzLWVhc3QtMSJHMEUCIQ-log-test-session'

/** A logger whose lines are kept, as journald would keep them. */
function capture(env: Record<string, string> = {}) {
  const lines: string[] = []
  const saved = { ...process.env }
  Object.assign(process.env, env)
  const logger = createLogger('log-test', { write: (line: string) => lines.push(line) })
  process.env = saved
  return { logger, text: () => lines.join('') }
}

function assertClean(t: Test, text: string): void {
  for (const [name, secret] of Object.entries({ PASSWORD, TOKEN, SECRET_KEY, SESSION_TOKEN })) {
    t.notOk(text.includes(secret), `no ${name} in the log`)
  }
}

t.test('secrets under their key names are censored at any depth', async (t) => {
  const { logger, text } = capture()
  logger.info({ password: PASSWORD, auth: { password: PASSWORD }, authorizationToken: TOKEN }, 'pull')
  logger.info({ credentials: { secretAccessKey: SECRET_KEY, sessionToken: SESSION_TOKEN } }, 'aws')
  logger.info({ req: { headers: { authorization: `Basic ${TOKEN}` } } }, 'request')
  assertClean(t, text())
  t.match(text(), /"password":"\[redacted\]"/)
})

t.test('an ECR token anywhere in a message or an error cause never reaches the log', async (t) => {
  const { logger, text } = capture()
  const cause = new Error(`login failed with ${TOKEN}`)
  const error = new Error(`pull failed with token ${TOKEN}`, { cause })
  logger.error({ err: error }, 'deploy failed')
  logger.warn(`a token in a message: ${TOKEN}`)
  t.match(text(), /deploy failed/, 'the line itself is kept')
  t.match(text(), /pull failed with token \[redacted\]/, 'the error message is kept, without the secret')
  t.match(text(), /login failed with \[redacted\]/, 'so is the cause')
  t.notOk(text().includes(TOKEN), 'no base64 token, whether fetched by this process or not')
})

t.test('a password once fetched is hidden wherever it appears later', async (t) => {
  const { logger, text } = capture()
  hideInLogs(PASSWORD, TOKEN)
  const cause = new Error(`registry answered 401 for ${PASSWORD}`)
  logger.error({ err: new Error('pull failed', { cause }) }, 'deploy failed')
  logger.info({ detail: { nested: [`x${PASSWORD}y`] } }, 'nested')
  assertClean(t, text())
  t.match(text(), /registry answered 401 for \[redacted\]/, 'the cause is kept, without the secret')
})

t.test("the process's AWS secret keys are hidden from its log", async (t) => {
  const { logger, text } = capture({ AWS_SECRET_ACCESS_KEY: SECRET_KEY, AWS_SESSION_TOKEN: SESSION_TOKEN })
  logger.error({ err: new Error(`signing with ${SECRET_KEY} and ${SESSION_TOKEN} failed`) }, 'sts')
  assertClean(t, text())
  t.match(text(), /signing with \[redacted\] and \[redacted\] failed/)
})
