import t from 'tap'
import { ImageRefError } from '../../shared/errors.ts'
import { formatImageRef, PINNED_IMAGE_PATTERN, parseImageRef, withDigest } from '../../shared/image-ref.ts'

const REGISTRY = '123456789012.dkr.ecr.eu-west-1.amazonaws.com'
const DIGEST = `sha256:${'ab'.repeat(32)}`

t.test('parses a tagged ECR URI', async (t) => {
  t.strictSame(parseImageRef(`${REGISTRY}/team/web:1.2.3`), {
    registry: REGISTRY,
    accountId: '123456789012',
    region: 'eu-west-1',
    repository: 'team/web',
    tag: '1.2.3',
  })
})

t.test('parses a digest-pinned URI, with or without a tag', async (t) => {
  t.strictSame(parseImageRef(`${REGISTRY}/web@${DIGEST}`).digest, DIGEST)
  const both = parseImageRef(`${REGISTRY}/web:v2@${DIGEST}`)
  t.equal(both.tag, 'v2')
  t.equal(formatImageRef(both), `${REGISTRY}/web@${DIGEST}`)
})

t.test('rejects what is not an ECR image, naming the bad part', async (t) => {
  const cases: Array<[string, RegExp]> = [
    ['web:1', /has no registry/],
    ['docker.io/library/nginx:1', /"docker.io" is not an ECR registry/],
    [`${REGISTRY}/Web:1`, /repository "Web" is not a valid/],
    [`${REGISTRY}/web`, /names neither a tag nor a digest/],
    [`${REGISTRY}/web:-x`, /tag "-x" is not valid/],
    [`${REGISTRY}/web@sha256:abc`, /digest "sha256:abc"/],
    [`${REGISTRY}/web:1;rm -rf /`, /not valid/],
  ]
  for (const [input, message] of cases) {
    t.throws(() => parseImageRef(input), message, input)
    t.throws(() => parseImageRef(input), ImageRefError)
  }
})

t.test('the pinned pattern admits pinned ECR images only', async (t) => {
  const pattern = new RegExp(PINNED_IMAGE_PATTERN)
  t.ok(pattern.test(`${REGISTRY}/team/web@${DIGEST}`))
  t.notOk(pattern.test(`${REGISTRY}/web:1`))
  t.notOk(pattern.test(`${REGISTRY}/web@${DIGEST};reboot`))
  t.notOk(pattern.test(`${REGISTRY}/web@${DIGEST}\nreboot`))
})

t.test('withDigest pins a tagged reference', async (t) => {
  const ref = withDigest(parseImageRef(`${REGISTRY}/web:1`), DIGEST)
  t.equal(formatImageRef(ref), `${REGISTRY}/web@${DIGEST}`)
  t.throws(() => withDigest(ref, 'sha256:zz'), ImageRefError)
})

t.test('every ECR registry host form, each only in its own partition', async (t) => {
  const accepted: Array<[string, string]> = [
    ['123456789012.dkr.ecr-fips.us-east-1.amazonaws.com', 'us-east-1'],
    ['123456789012.dkr-ecr.eu-west-1.on.aws', 'eu-west-1'],
    ['123456789012.dkr-ecr-fips.us-gov-west-1.on.aws', 'us-gov-west-1'],
    ['123456789012.dkr.ecr.us-gov-east-1.amazonaws.com', 'us-gov-east-1'],
    ['123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn', 'cn-north-1'],
    ['123456789012.dkr-ecr.cn-northwest-1.on.amazonwebservices.com.cn', 'cn-northwest-1'],
  ]
  const pattern = new RegExp(PINNED_IMAGE_PATTERN)
  for (const [host, region] of accepted) {
    t.equal(parseImageRef(`${host}/web:1`).region, region, host)
    t.ok(pattern.test(`${host}/web@${DIGEST}`), `the document accepts ${host}`)
  }
  for (const host of [
    '123456789012.dkr.ecr.cn-north-1.amazonaws.com',
    '123456789012.dkr.ecr.eu-west-1.amazonaws.com.cn',
    '123456789012.dkr-ecr.eu-west-1.amazonaws.com',
    '123456789012.dkr-ecr.cn-north-1.on.aws',
    '123456789012.dkr.ecr-fips.cn-north-1.amazonaws.com.cn',
    '123456789012.dkr.ecr.eu-west-1.on.aws',
  ]) {
    t.throws(() => parseImageRef(`${host}/web:1`), ImageRefError, host)
  }
})
