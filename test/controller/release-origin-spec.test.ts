import t from 'tap'
import { releaseOrigin } from '../../controller/origin.ts'
import { parseSpecText } from '../../controller/spec-file.ts'
import { UsageError } from '../../shared/errors.ts'

t.test('the origin comes from GitHub Actions when the run has it, else the local user', async (t) => {
  const github = {
    GITHUB_ACTOR: 'octocat',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_RUN_ID: '1234567',
    GITHUB_SHA: 'a'.repeat(40),
  }
  t.strictSame(releaseOrigin(github, 'root'), {
    actor: 'octocat',
    runUrl: 'https://github.com/acme/shop/actions/runs/1234567',
    commit: 'a'.repeat(40),
  })
  t.strictSame(releaseOrigin({}, 'alice'), { actor: 'alice' })
  t.strictSame(releaseOrigin({}, ''), { actor: 'unknown' })
  t.strictSame(
    releaseOrigin(
      { ...github, GITHUB_SERVER_URL: 'http://ghe.example', GITHUB_REPOSITORY: 'a/b/../c', GITHUB_SHA: 'zz' },
      'root',
    ),
    { actor: 'octocat' },
    'values GitHub would not set are left out, not recorded',
  )
})

t.test('a spec file is YAML or JSON, checked key by key, and kept as written', async (t) => {
  t.strictSame(parseSpecText('web.yaml', 'env:\n  MODE: two\nmemory: 256m\n'), {
    env: { MODE: 'two' },
    memory: '256m',
  })
  t.strictSame(parseSpecText('web.json', '{"ports": ["8080:80"]}'), { ports: ['8080:80'] })
  t.throws(
    () => parseSpecText('web.yaml', 'env:\n  MODE: two\nprivileged: true\n'),
    new UsageError('--spec web.yaml: unknown key "privileged": remove it or check its spelling'),
  )
  t.throws(() => parseSpecText('web.yaml', 'cpus: 0\n'), {
    name: 'UsageError',
    message: /^--spec web\.yaml: cpus: /,
  })
  t.throws(() => parseSpecText('web.yaml', '- a\n'), {
    message: /^--spec web\.yaml: expected a mapping of spec keys/,
  })
  t.throws(() => parseSpecText('web.yaml', 'env: [\n'), {
    message: /^--spec web\.yaml: invalid YAML or JSON: /,
  })
})
