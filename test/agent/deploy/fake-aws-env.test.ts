import t from 'tap'
import { useFakeAws } from './fake-aws-env.ts'

const NAMES = ['AWS_ACCESS_KEY_ID', 'AWS_PROFILE', 'AWS_EC2_METADATA_SERVICE_ENDPOINT', 'HOME']

t.test('the instance environment lasts as long as the test that asked for it', async (t) => {
  process.env.AWS_ACCESS_KEY_ID = 'AKIDBEFORE'
  process.env.AWS_PROFILE = 'before'
  const before = Object.fromEntries(NAMES.map((name) => [name, process.env[name]]))
  let during: Record<string, string | undefined> = {}
  await t.test('a test on the fake AWS', async (t) => {
    await useFakeAws(t)
    during = Object.fromEntries(NAMES.map((name) => [name, process.env[name]]))
  })
  t.equal(during.AWS_ACCESS_KEY_ID, undefined, 'keys are removed while the test runs')
  t.not(during.HOME, before.HOME, 'HOME is a fresh folder while the test runs')
  t.strictSame(
    Object.fromEntries(NAMES.map((name) => [name, process.env[name]])),
    before,
    'every variable is back afterwards',
  )
  delete process.env.AWS_ACCESS_KEY_ID
  delete process.env.AWS_PROFILE
})
