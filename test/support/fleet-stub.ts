import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import { type AgentResultLine, resultLineText, statusLineText } from '../../shared/agent-contract.ts'

/**
 * A stand-in `ecr-deploy-agent` for controller tests: it logs its arguments, prints a progress line and the
 * agent's JSON result line (built from the agent contract, as the real agent builds it), and exits as STUB_MODE says (ok, unchanged, unhealthy;
 * a `pull` answers pulled, or failed in mode pullfail). In mode hostile it prints
 * STUB_TAIL to stderr and STUB_RESULT as its result line and fails, for tests of what reaches CI from an
 * instance; asked for its status in that mode, it prints STUB_RESULT as its status line, and with a STUB_TAIL
 * prints that to stderr and fails too. With a gate (a file path), a deploy waits until that file exists. The real agent is covered by its own tests; here the document, SSM's
 * parameter checks and the waiter are what is under test.
 */
const PREVIOUS_DIGEST = `sha256:${'1'.repeat(64)}`
/** What the stub reports as deployed for `deploy --release`, whatever the version names. */
export const STUB_RELEASE_DIGEST = `sha256:${'c'.repeat(64)}`

/**
 * A contract line as one shell word: the JSON is the contract's own text, and each `@NAME@` in it becomes the
 * shell variable `$NAME`, spliced in quoted (the stub's values are service names, images and digests).
 */
function shellLine(text: string): string {
  return `'${text.replace(/'/g, `'\\''`).replace(/@([A-Za-z0-9_]+)@/g, `'"$$$1"'`)}'`
}

const result = (line: Omit<AgentResultLine, 'service' | 'image'>): string =>
  shellLine(resultLineText({ ...line, service: '@service@', image: '@image@' } as AgentResultLine))

const statusLine = shellLine(
  statusLineText([
    {
      service: '@service@',
      state: 'running',
      healthy: true,
      current: {
        id: 'r1',
        image: 'stub@@STUB_DIGEST@',
        digest: '@STUB_DIGEST@',
        startedAt: '2024-01-01T00:00:00.000Z',
        result: 'deployed',
      },
    },
  ]),
)

const SCRIPT = `#!/bin/bash
echo "$STUB_INSTANCE $*" >> "$STUB_LOG"
service="$3"
if [ "$1" = status ]; then
  if [ "\${STUB_MODE:-ok}" = hostile ]; then
    printf '%s\\n' "$STUB_RESULT"
    [ -z "$STUB_TAIL" ] || { printf '%s\\n' "$STUB_TAIL" >&2; exit 5; }
    exit 0
  fi
  echo ${statusLine}
  exit 0
fi
image="$5"
# A pull changes nothing: it answers at once (no gate), pulled, or in mode pullfail as a failed pull.
if [ "$1" = pull ]; then
  if [ "$4" = --release ]; then image="stub@${STUB_RELEASE_DIGEST}"; fi
  digest="\${image##*@}"
  if [ "\${STUB_MODE:-ok}" = pullfail ]; then
    echo ${result({ result: 'failed', digest: null, previousDigest: null, durationMs: 5, message: 'pull of the release image failed: no space left on device', code: 'E_PULL_FAILED' })}; exit 4
  fi
  echo ${result({ result: 'pulled', digest: '@digest@', previousDigest: null, durationMs: 5, message: 'pulled; no container was changed' })}; exit 0
fi
# A gated deploy holds until the test creates STUB_GATE: a deploy in progress for as long as the test needs.
if [ -n "\${STUB_GATE:-}" ]; then while [ ! -e "$STUB_GATE" ]; do sleep 0.05; done; fi
digest="\${image##*@}"
# A release names a parameter version the stub does not read: it reports one fixed digest as deployed.
if [ "$4" = --release ]; then digest="${STUB_RELEASE_DIGEST}"; fi
echo "[  0.1s] pull: $image"
# noisy: more progress than the 2,500 characters ListCommandInvocations keeps, then the result line.
if [ "\${STUB_MODE:-ok}" = noisy ]; then
  for i in $(seq 1 150); do echo "[  0.1s] pull: layer $i of 150"; done
  STUB_MODE=ok
fi
case "\${STUB_MODE:-ok}" in
  ok) echo ${result({ result: 'deployed', digest: '@digest@', previousDigest: PREVIOUS_DIGEST, durationMs: 20, message: 'deployed r2' })}; exit 0 ;;
  unchanged) echo ${result({ result: 'unchanged', digest: '@digest@', previousDigest: null, durationMs: 5, message: 'already running' })}; exit 0 ;;
  unhealthy) echo "app: cannot open database" >&2; echo ${result({ result: 'rolled-back', digest: null, previousDigest: null, durationMs: 30, message: 'r2 did not become healthy; r1 restored', code: 'E_HEALTH_FAILED' })}; exit 5 ;;
  hostile) printf '%s\\n' "$STUB_TAIL" >&2; printf '%s\\n' "$STUB_RESULT"; exit 5 ;;
esac
`

export type StubMode = 'ok' | 'unchanged' | 'unhealthy' | 'noisy' | 'hostile' | 'pullfail'

export interface FleetStub {
  /** Directory to put first on the instances' PATH. */
  readonly bin: string
  readonly log: string
  /** Lines "<instance> <agent args>" in call order. */
  calls(): Promise<string[]>
}

export async function fleetStub(t: Test): Promise<FleetStub> {
  const dir = await mkdtemp(join(tmpdir(), 'ecr-deploy-stub-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  await writeFile(join(dir, 'ecr-deploy-agent'), SCRIPT)
  await chmod(join(dir, 'ecr-deploy-agent'), 0o755)
  const log = join(dir, 'calls.log')
  await writeFile(log, '')
  return {
    bin: dir,
    log,
    calls: async () => (await readFile(log, 'utf8')).split('\n').filter(Boolean),
  }
}

/** The environment of a simulated instance running the stub. */
export function stubInstanceEnv(
  stub: FleetStub,
  instance: string,
  mode: StubMode,
  runningDigest = '',
  hostile: { tail: string; result: string } = { tail: '', result: '' },
  gate = '',
) {
  return {
    STUB_GATE: gate,
    PATH: `${stub.bin}:${process.env.PATH ?? ''}`,
    STUB_LOG: stub.log,
    STUB_INSTANCE: instance,
    STUB_MODE: mode,
    STUB_DIGEST: runningDigest,
    STUB_TAIL: hostile.tail,
    STUB_RESULT: hostile.result,
  }
}
