import t from 'tap'
import type { StoredImage } from '../../../controller/ecr/lifecycle-store.ts'
import { lifecyclePolicy, previewExpiry, protectedImages } from '../../../controller/setup/lifecycle.ts'
import { UsageError } from '../../../shared/errors.ts'

const now = new Date('2026-06-30T00:00:00Z')
const image = (digest: string, tags: string[], daysAgo: number): StoredImage => ({
  digest,
  tags,
  pushedAt: new Date(now.getTime() - daysAgo * 86_400_000),
  sizeBytes: 1000,
})

t.test('builds the three-rule policy ECR accepts, deployed images first, as exact JSON', async (t) => {
  t.equal(
    JSON.stringify(lifecyclePolicy({ keep: 30, untaggedDays: 7 })),
    '{"rules":[{"rulePriority":1,"description":"Protect deployed images (deployed-*): lower rules never expire them","selection":{"tagStatus":"tagged","tagPrefixList":["deployed-"],"countType":"imageCountMoreThan","countNumber":1000},"action":{"type":"expire"}},{"rulePriority":2,"description":"Expire untagged images 7 days after push","selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":7},"action":{"type":"expire"}},{"rulePriority":3,"description":"Keep the 30 most recent images","selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":30},"action":{"type":"expire"}}]}',
  )
})

t.test('rejects counts that ECR would refuse, naming the flag', async (t) => {
  t.throws(
    () => lifecyclePolicy({ keep: 0, untaggedDays: 7 }),
    new UsageError('--keep must be a whole number of at least 1, found 0'),
  )
  t.throws(() => lifecyclePolicy({ keep: 3, untaggedDays: 1.5 }), /--untagged-days must be a whole number/)
})

t.test('preview expires old untagged images and tagged ones beyond the newest N', async (t) => {
  const images = [
    image('sha256:a', ['v1'], 40),
    image('sha256:b', ['v2'], 30),
    image('sha256:c', ['v3'], 20),
    image('sha256:d', [], 10),
    image('sha256:e', [], 2),
  ]
  const expired = previewExpiry(lifecyclePolicy({ keep: 2, untaggedDays: 7 }), images, now)
  t.strictSame(
    expired.map((i) => i.digest),
    ['sha256:d', 'sha256:a'],
  )
})

t.test(
  'a deployed image is never expired by the count rule, though it takes a place among the newest',
  async (t) => {
    const images = [
      image('sha256:a', ['v1', 'deployed-prod.web.3'], 40),
      image('sha256:b', ['v2'], 30),
      image('sha256:c', ['v3', 'deployed-prod.web.7'], 20),
      image('sha256:d', ['v4'], 10),
    ]
    const policy = lifecyclePolicy({ keep: 1, untaggedDays: 7 })
    t.strictSame(
      protectedImages(policy, images).map((i) => i.digest),
      ['sha256:a', 'sha256:c'],
    )
    t.strictSame(
      previewExpiry(policy, images, now).map((i) => i.digest),
      ['sha256:b'],
    )
  },
)
