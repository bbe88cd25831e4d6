import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { isAlive } from './daemon-process.ts'
import { dockerAnswers, ensureDockerd, stopDockerd } from './docker-engine.ts'
import { DOCKER_SOCKET } from './ground.ts'

// The machine's engine keeps serving other tests, so this starts a second one with its own socket
// and roots, the same way the ground starts the real one. It runs in its own network namespace:
// a dockerd without a bridge deletes the host's docker0, which every other container needs.
t.test('starts dockerd when none answers on the socket, and stops it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ground-dockerd-'))
  const socket = join(dir, 'docker.sock')
  const hadDocker0 = existsSync('/sys/class/net/docker0')
  const isolated = {
    wrapper: ['unshare', '--net', '--'],
    extraArgs: [
      `--data-root=${join(dir, 'data')}`,
      `--exec-root=${join(dir, 'exec')}`,
      `--pidfile=${join(dir, 'dockerd.pid')}`,
      '--bridge=none',
      '--iptables=false',
      '--ip-masq=false',
    ],
  }
  let pid: number | null = null
  t.teardown(async () => {
    if (pid !== null) await stopDockerd(pid)
    rmSync(dir, { recursive: true, force: true })
  })
  t.equal(await dockerAnswers(socket), false, 'nothing answers before')
  pid = await ensureDockerd(socket, dir, isolated)
  t.type(pid, 'number')
  t.equal(await dockerAnswers(socket), true, 'it answers /_ping')
  t.equal(
    await ensureDockerd(socket, dir, isolated),
    null,
    'a running engine is left alone, not ours to stop',
  )
  if (pid === null) return
  await stopDockerd(pid)
  t.equal(isAlive(pid), false, 'the process is gone')
  t.equal(await dockerAnswers(socket), false, 'the socket no longer answers')
  t.equal(existsSync('/sys/class/net/docker0'), hadDocker0, "the host's docker0 is untouched")
})

t.test('an engine that already runs is reported as not started by the ground', async (t) => {
  t.equal(await ensureDockerd(DOCKER_SOCKET, tmpdir()), null)
})
