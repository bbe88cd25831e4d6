import t from 'tap'
import { MigrationProgress, resultTable } from '../../../controller/migrate/progress.ts'
import { parseSource, sourceLogin } from '../../../controller/migrate/source.ts'
import { RegistryError } from '../../../shared/errors.ts'
import { censorSecrets } from '../../../shared/log-secrets.ts'

t.test('--from is read as docker reads an image name', async (t) => {
  t.strictSame(parseSource('docker.io/acme/web'), {
    host: 'docker.io',
    baseUrl: 'https://registry-1.docker.io',
    repository: 'acme/web',
    name: 'docker.io/acme/web',
  })
  t.match(parseSource('acme/web'), { host: 'docker.io', repository: 'acme/web' })
  t.match(parseSource('nginx'), { host: 'docker.io', repository: 'library/nginx' })
  t.match(parseSource('ghcr.io/acme/tools/web'), { baseUrl: 'https://ghcr.io', repository: 'acme/tools/web' })
  t.match(parseSource('127.0.0.1:5000/acme/web'), {
    baseUrl: 'http://127.0.0.1:5000',
    host: '127.0.0.1:5000',
  })
  t.match(parseSource('localhost:5000/web'), { baseUrl: 'http://localhost:5000' })
  t.throws(() => parseSource('acme/web:v1'), { name: 'UsageError', message: /not a tag or digest/ })
  t.throws(() => parseSource('acme/web@sha256:abc'), { name: 'UsageError' })
  t.throws(() => parseSource('docker.io/Acme/Web'), { name: 'UsageError', message: /not a repository name/ })
})

const hub = parseSource('docker.io/acme/web')

t.test('the source login: the environment first, then the docker config auths; never a half', async (t) => {
  const notes: string[] = []
  const note = (message: string) => notes.push(message)
  const noFile = () => {
    throw new Error('ENOENT')
  }
  t.strictSame(
    sourceLogin(hub, { DOCKERHUB_USERNAME: 'acme', DOCKERHUB_TOKEN: 'dckr_pat_0123456789' }, note, noFile),
    {
      credentials: { username: 'acme', password: 'dckr_pat_0123456789' },
      from: 'DOCKERHUB_USERNAME and DOCKERHUB_TOKEN',
    },
  )
  t.equal(censorSecrets('dckr_pat_0123456789'), '[redacted]', 'the token is censored in logs')
  t.throws(() => sourceLogin(hub, { DOCKERHUB_USERNAME: 'acme' }, note, noFile), { name: 'UsageError' })
  t.equal(sourceLogin(hub, {}, note, noFile), undefined)

  const auth = Buffer.from('acme:from-config-password').toString('base64')
  const config = JSON.stringify({ auths: { 'https://index.docker.io/v1/': { auth } } })
  let read = ''
  const login = sourceLogin(hub, { DOCKER_CONFIG: '/cfg' }, note, (path) => {
    read = path
    return config
  })
  t.equal(read, '/cfg/config.json')
  t.strictSame(login, {
    credentials: { username: 'acme', password: 'from-config-password' },
    from: '/cfg/config.json',
  })
  const other = parseSource('ghcr.io/acme/web')
  t.equal(
    sourceLogin(other, { DOCKER_CONFIG: '/cfg' }, note, () => config),
    undefined,
    'only the source host’s entry',
  )

  const helper = JSON.stringify({ credsStore: 'desktop' })
  t.equal(
    sourceLogin(hub, { DOCKER_CONFIG: '/cfg' }, note, () => helper),
    undefined,
  )
  t.match(notes, [/keeps logins in a credential helper, which migrate does not run/])
})

t.test('progress in CI: plain lines, untrusted text without controls, then the table', async (t) => {
  let out = ''
  const sink = { write: (text: string) => (out += text), isTTY: true }
  const progress = new MigrationProgress(
    sink,
    { GITHUB_ACTIONS: 'true' },
    'docker.io/acme/web',
    (text) => `<${text}>`,
  )
  progress.expect(2)
  progress.started('v1')
  progress.bytes(2048)
  progress.finished({ tag: 'v1', outcome: 'copied', digest: 'sha256:aa', bytes: 2048 })
  const hostile = new RegistryError('registry said \x1b]0;pwned\x07 no\r\nmore')
  progress.finished({ tag: 'v2', outcome: 'failed', bytes: 0, error: hostile })
  t.equal(
    out,
    [
      '<copying docker.io/acme/web:v1\n>',
      '<copied v1 sha256:aa (2.0 KiB uploaded)\n>',
      '<failed v2: registry said ]0;pwned no more\n>',
    ].join(''),
  )
  t.equal(
    resultTable([
      { tag: 'v1', outcome: 'copied', digest: 'sha256:aa', bytes: 2048 },
      { tag: 'v2', outcome: 'skipped', digest: 'sha256:bb', bytes: 0 },
    ]),
    [
      'result   tag  digest     uploaded',
      'copied   v1   sha256:aa  2.0 KiB',
      'skipped  v2   sha256:bb  0 B',
      '1 copied, 1 skipped, 0 failed; 2.0 KiB uploaded',
      '',
    ].join('\n'),
  )
})

t.test('progress on a terminal: a live bar of tags and bytes under the finished lines', async (t) => {
  let out = ''
  const progress = new MigrationProgress(
    { write: (text: string) => (out += text), isTTY: true },
    {},
    'docker.io/acme/web',
  )
  progress.expect(2)
  progress.started('v1')
  progress.bytes(3 * 1024 * 1024)
  progress.finished({ tag: 'v1', outcome: 'skipped', digest: 'sha256:aa', bytes: 0 })
  progress.end()
  t.equal(
    out,
    '\r\x1b[K[....................] 0/2 tags, 3.0 MiB uploaded' +
      '\r\x1b[Kskipped v1: ECR already holds sha256:aa\n[##########..........] 1/2 tags, 3.0 MiB uploaded' +
      '\r\x1b[K',
  )
})
