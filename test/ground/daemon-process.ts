import { spawn } from 'node:child_process'
import { closeSync, openSync, readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'

/**
 * Starts a long-lived process that outlives the setup script: tap runs setup.ts as its own
 * process, and the daemons must stay up until the last tap run's teardown.ts stops them.
 * The log starts afresh with each start, so it shows this daemon's life only.
 */
export function spawnDaemon(command: string, args: readonly string[], logPath: string): number {
  const log = openSync(logPath, 'w')
  try {
    const child = spawn(command, args, { detached: true, stdio: ['ignore', log, log] })
    if (child.pid === undefined)
      throw new Error(`could not start ${command}: is it installed? (log: ${logPath})`)
    child.unref()
    return child.pid
  } finally {
    closeSync(log)
  }
}

/**
 * True while a process with this pid runs. A zombie counts as gone: daemons are reparented to
 * PID 1 once setup.ts exits, and not every init reaps its children promptly.
 */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The state letter follows the parenthesised command name, which may itself hold spaces.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    return false
  }
}

/** Polls `check` every 100 ms until it is true; throws naming `what` after `timeoutMs`. */
export async function waitUntil(
  what: string,
  timeoutMs: number,
  check: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(100)
  }
}

/**
 * Sends SIGTERM, and SIGKILL if the process is still there after `graceMs`. Only signals a pid
 * that still runs `command`: a recorded pid may have been reused since it was written down.
 */
export async function stopDaemon(pid: number, command: string, graceMs: number): Promise<void> {
  if (!isAlive(pid) || !runs(pid, command)) return
  process.kill(pid, 'SIGTERM')
  try {
    await waitUntil(`pid ${pid} to exit`, graceMs, async () => !isAlive(pid))
  } catch {
    if (isAlive(pid)) process.kill(pid, 'SIGKILL')
  }
}

function runs(pid: number, command: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] === command
  } catch {
    return false
  }
}
