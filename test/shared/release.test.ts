import t from 'tap'
import {
  type DesiredRelease,
  normalisedSpec,
  parseRelease,
  parseReleaseSelector,
  RELEASE_SELECTOR_PATTERN,
  releaseParameterName,
  releaseSelectorText,
  releaseText,
  stableVersionOf,
  withState,
} from '../../shared/release.ts'

const image = `123456789012.dkr.ecr.us-east-1.amazonaws.com/web@sha256:${'a'.repeat(64)}`
const release: DesiredRelease = {
  format: 1,
  environment: 'prod',
  service: 'web',
  image,
  spec: { ports: ['8080:80'], env: { MODE: 'live' }, memory: '256m' },
  state: 'rolling',
  replaces: { version: 3, image },
  origin: { actor: 'octocat', commit: 'abc1234', createdAt: '2026-12-01T12:00:00.000Z' },
}

t.test('a release survives its stored text, keys in one order', async (t) => {
  const text = releaseText(release)
  t.equal(
    text,
    `{"format":1,"environment":"prod","service":"web","image":"${image}","spec":{"ports":["8080:80"],"env":{"MODE":"live"},"memory":"256m"},"state":"rolling","replaces":{"version":3,"image":"${image}"},"origin":{"actor":"octocat","commit":"abc1234","createdAt":"2026-12-01T12:00:00.000Z"}}`,
  )
  t.same(parseRelease(text), { ok: true, release })
})

t.test('the spec is stored as written and normalised for the agent', async (t) => {
  t.same(normalisedSpec(release), {
    ports: [{ hostPort: 8080, containerPort: 80 }],
    env: { MODE: 'live' },
    memory: 256 * 1024 ** 2,
  })
})

t.test('a stored release that is wrong names the key', async (t) => {
  t.same(parseRelease(image), {
    ok: false,
    problem: 'is not JSON (a bare image is the layout before releases were records)',
  })
  const privileged = JSON.parse(releaseText(release))
  privileged.spec.privileged = true
  const result = parseRelease(JSON.stringify(privileged))
  t.equal(result.ok, false)
  t.match(!result.ok && result.problem, /^spec: /)
  const badPort = { ...JSON.parse(releaseText(release)), spec: { ports: ['80'] } }
  t.same(parseRelease(JSON.stringify(badPort)), {
    ok: false,
    problem: 'spec.ports.0: expected "host:container" such as "8080:80"',
  })
  const tagged = { ...JSON.parse(releaseText(release)), image: image.replace(/@.*/, ':v1') }
  t.match(parseRelease(JSON.stringify(tagged)), { ok: false, problem: /^image: expected a digest-pinned/ })
  t.match(parseRelease(JSON.stringify({ ...release, format: 2 })), { ok: false, problem: /^format: / })
})

t.test('selectors name one version of one parameter', async (t) => {
  t.equal(releaseParameterName('prod', 'web'), '/ecr-deploy/prod/web')
  const text = releaseSelectorText({ environment: 'prod', service: 'web', version: 7 })
  t.equal(text, '/ecr-deploy/prod/web:7')
  t.same(parseReleaseSelector(text), { environment: 'prod', service: 'web', version: 7 })
  for (const bad of [
    '/ecr-deploy/web:7',
    '/ecr-deploy/prod/web',
    '/ecr-deploy/prod/web:0',
    '/ecr-deploy/Prod/web:1',
    '/ecr-deploy/prod/web:1;id',
    '/other/prod/web:1',
  ]) {
    t.equal(parseReleaseSelector(bad), undefined, bad)
    t.notOk(new RegExp(RELEASE_SELECTOR_PATTERN).test(bad), bad)
  }
})

t.test('the stable release a parameter stands on', async (t) => {
  t.equal(stableVersionOf({ version: 8, release: withState(release, 'stable') }), 8)
  t.equal(stableVersionOf({ version: 8, release }), 3)
  t.equal(stableVersionOf({ version: 8, release: withState(release, 'aborted') }), 3)
  const { replaces: _, ...first } = release
  t.equal(stableVersionOf({ version: 1, release: first }), undefined)
})
