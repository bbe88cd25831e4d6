import t from 'tap'
import { demuxLogFrames } from '../../../agent/docker/log-frames.ts'
import { PullProgress } from '../../../agent/docker/pull-progress.ts'

t.test('pull progress: one line per layer completion and 25% steps, nothing per byte', async (t) => {
  const progress = new PullProgress()
  const events = [
    { status: 'Pulling from ecr-ssm-deploy/app', id: 'v1' },
    { status: 'Pulling fs layer', id: 'aaaaaaaaaaaa1111' },
    { status: 'Already exists', id: 'bbbbbbbbbbbb' },
    ...Array.from({ length: 100 }, (_, i) => ({
      status: 'Downloading',
      id: 'aaaaaaaaaaaa1111',
      progressDetail: { current: (i + 1) * 20_000, total: 2_000_000 },
    })),
    { status: 'Verifying Checksum', id: 'aaaaaaaaaaaa1111' },
    { status: 'Pull complete', id: 'aaaaaaaaaaaa1111' },
    { status: `Digest: sha256:${'c'.repeat(64)}` },
    { status: 'Status: Downloaded newer image for x' },
  ]
  const lines = events.map((event) => progress.line(event)).filter((line) => line !== null)
  t.strictSame(lines, [
    'layer bbbbbbbbbbbb: already exists',
    'layer aaaaaaaaaaaa: downloading 25% of 1.9 MB',
    'layer aaaaaaaaaaaa: downloading 50% of 1.9 MB',
    'layer aaaaaaaaaaaa: downloading 75% of 1.9 MB',
    'layer aaaaaaaaaaaa: pull complete',
    `Digest: sha256:${'c'.repeat(64)}`,
    'Status: Downloaded newer image for x',
  ])
})

t.test('log frames: stdout and stderr payloads joined in order; raw TTY bytes kept', async (t) => {
  const frame = (type: number, text: string) => {
    const payload = Buffer.from(text)
    const header = Buffer.alloc(8)
    header[0] = type
    header.writeUInt32BE(payload.length, 4)
    return Buffer.concat([header, payload])
  }
  t.equal(
    demuxLogFrames(Buffer.concat([frame(1, 'out 1\n'), frame(2, 'err 1\n'), frame(1, 'out 2\n')])),
    'out 1\nerr 1\nout 2\n',
  )
  t.equal(demuxLogFrames(Buffer.from('plain tty output\n')), 'plain tty output\n')
})
