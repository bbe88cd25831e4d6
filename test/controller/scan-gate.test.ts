import t from 'tap'
import type { ScanFinding, ScanReport } from '../../controller/ecr/scan-findings.ts'
import { judgeScan, passScanGate, SCAN_POLL_MS } from '../../controller/scan-gate.ts'
import { ExitCode, exitCodeOf, ScanRefusedError } from '../../shared/errors.ts'
import { parseImageRef } from '../../shared/image-ref.ts'

const DIGEST = `sha256:${'a'.repeat(64)}`
const ref = parseImageRef(`123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/web@${DIGEST}`)
const name = `123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/web@${DIGEST}`
const gate = { maxSeverity: 'HIGH', timeoutSeconds: 60, allowUnscanned: false } as const
const done = (findings: ScanFinding[], status = 'COMPLETE'): ScanReport => ({
  kind: 'scan',
  status,
  completedAt: new Date(0),
  findings,
})

t.test('findings at or above the level refuse the image, listed worst first, with exit 8', async (t) => {
  const decision = judgeScan(
    done([
      { severity: 'MEDIUM', title: 'CVE-2026-0001', packageName: 'zlib 1.2' },
      { severity: 'HIGH', title: 'CVE-2026-0002', packageName: 'openssl 3.0.1' },
      { severity: 'CRITICAL', title: 'CVE-2026-0003' },
    ]),
    name,
    gate,
  )
  t.equal(decision.kind, 'refuse')
  if (decision.kind !== 'refuse') return
  t.equal(
    decision.error.message,
    `${name} has 2 finding(s) at or above HIGH; nothing was deployed:\n  CRITICAL CVE-2026-0003\n  HIGH CVE-2026-0002 in openssl 3.0.1`,
  )
  t.equal(exitCodeOf(decision.error), ExitCode.scanRefused)
  t.equal(ExitCode.scanRefused, 8)
})

t.test('CRITICAL lets a HIGH finding through; enhanced scanning reports ACTIVE when done', async (t) => {
  const report = done([{ severity: 'HIGH', title: 'CVE-2026-0002' }], 'ACTIVE')
  t.strictSame(judgeScan(report, name, { ...gate, maxSeverity: 'CRITICAL' }), {
    kind: 'pass',
    note: `${name}: no finding at or above CRITICAL (1 finding(s) below it)`,
  })
})

t.test('a running scan, and a finished one whose findings have not arrived, are waited for', async (t) => {
  t.strictSame(judgeScan({ kind: 'scan', status: 'IN_PROGRESS', findings: [] }, name, gate), {
    kind: 'wait',
    why: 'the scan is IN_PROGRESS',
  })
  t.strictSame(judgeScan({ kind: 'scan', status: 'PENDING', findings: [] }, name, gate), {
    kind: 'wait',
    why: 'the scan is PENDING',
  })
  t.strictSame(judgeScan({ kind: 'scan', status: 'COMPLETE', findings: [] }, name, gate), {
    kind: 'wait',
    why: 'the scan is COMPLETE but its findings have not arrived',
  })
})

t.test('no scan, or a scan that ended without findings, refuses unless --allow-unscanned', async (t) => {
  const none = judgeScan({ kind: 'none' }, name, gate)
  t.equal(none.kind, 'refuse')
  if (none.kind === 'refuse') {
    t.equal(
      none.error.message,
      `${name}: ECR has no scan of this image; --max-severity HIGH needs a finished scan: turn on scan on push or start one (aws ecr start-image-scan), or give --allow-unscanned`,
    )
  }
  t.strictSame(judgeScan({ kind: 'none' }, name, { ...gate, allowUnscanned: true }), {
    kind: 'pass',
    note: `${name}: ECR has no scan of this image; deploying anyway (--allow-unscanned)`,
  })
  const failed = judgeScan(
    {
      kind: 'scan',
      status: 'UNSUPPORTED_IMAGE',
      description: 'The operating system is not supported',
      findings: [],
    },
    name,
    gate,
  )
  t.match(
    failed.kind === 'refuse' ? failed.error.message : '',
    `${name}: the scan ended UNSUPPORTED_IMAGE (The operating system is not supported);`,
  )
})

t.test("a finding's text cannot move the cursor or issue a workflow command", async (t) => {
  const decision = judgeScan(
    done([
      { severity: 'CRITICAL', title: 'CVE\u001b[2J-1\n::set-output name=x::y', packageName: '##[error]pkg' },
    ]),
    name,
    gate,
  )
  t.equal(
    decision.kind === 'refuse' ? decision.error.message.split('\n')[1] : '',
    '  CRITICAL CVE[2J-1 ::set-output name=x::y in ## [error]pkg',
  )
})

t.test('the gate waits for the scan on the clock it is given, and gives up at --scan-timeout', async (t) => {
  let now = 0
  const slept: number[] = []
  const clock = {
    now: () => now,
    sleep: async (ms: number) => {
      slept.push(ms)
      now += ms
    },
  }
  const reports: ScanReport[] = [
    { kind: 'scan', status: 'IN_PROGRESS', findings: [] },
    { kind: 'scan', status: 'COMPLETE', findings: [] },
    done([{ severity: 'LOW', title: 'CVE-1' }]),
  ]
  const scans = { report: async () => reports.shift() ?? { kind: 'none' as const } }
  t.equal(
    await passScanGate(scans, clock, ref, gate),
    `${name}: no finding at or above HIGH (1 finding(s) below it)`,
  )
  t.strictSame(slept, [SCAN_POLL_MS, SCAN_POLL_MS])

  now = 0
  const running = {
    report: async (): Promise<ScanReport> => ({ kind: 'scan', status: 'IN_PROGRESS', findings: [] }),
  }
  await t.rejects(
    passScanGate(running, clock, ref, { ...gate, timeoutSeconds: 12 }),
    new ScanRefusedError(
      `${name}: the scan is IN_PROGRESS after 12 s (--scan-timeout); nothing was deployed: wait for the scan and deploy again, or raise --scan-timeout`,
    ),
  )
  t.equal(now, 12_000, 'the last wait is cut to the deadline')
})
