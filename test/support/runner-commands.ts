/**
 * The workflow commands the GitHub Actions runner would act on in a step's output, read the way its
 * ActionCommand and ActionCommandManager read them: lines end at \n, \r\n or a lone \r; a command is `::name`
 * at the start of a line after leading white space, or the legacy `##[name` anywhere in a line;
 * `stop-commands` ignores every command until one named by its token. Names are compared case-insensitively.
 * The set of names is the runner's own, plus the stop token while stopped.
 */
const RUNNER_COMMANDS = [
  'add-mask',
  'add-matcher',
  'add-path',
  'debug',
  'echo',
  'endgroup',
  'error',
  'group',
  'notice',
  'remove-matcher',
  'save-state',
  'set-env',
  'set-output',
  'stop-commands',
  'warning',
]

export interface RunnerCommand {
  readonly name: string
  readonly data: string
}

// .NET's TrimStart() drops every Unicode white space character, which includes U+0085.
const LEADING_SPACE = /^[\s\u0085]+/

function parse(line: string, names: Set<string>): RunnerCommand | undefined {
  const trimmed = line.replace(LEADING_SPACE, '')
  if (trimmed.startsWith('::')) {
    const end = trimmed.indexOf('::', 2)
    if (end >= 0) {
      const name = (trimmed.slice(2, end).split(' ')[0] ?? '').toLowerCase()
      if (names.has(name)) return { name, data: trimmed.slice(end + 2) }
    }
  }
  const start = line.indexOf('##[')
  if (start < 0) return undefined
  const close = line.indexOf(']', start)
  if (close < 0) return undefined
  const name = (line.slice(start + 3, close).split(' ')[0] ?? '').toLowerCase()
  return names.has(name) ? { name, data: line.slice(close + 1) } : undefined
}

/** Every command the runner would process, stop and resume included, in order. */
export function runnerCommands(output: string): RunnerCommand[] {
  const names = new Set(RUNNER_COMMANDS)
  const seen: RunnerCommand[] = []
  let stopToken: string | undefined
  for (const line of output.split(/\r\n|\r|\n/)) {
    const command = parse(line, names)
    if (!command) continue
    if (stopToken !== undefined) {
      if (command.name !== stopToken) continue
      names.delete(stopToken)
      stopToken = undefined
      seen.push({ name: 'resume', data: command.name })
    } else if (command.name === 'stop-commands') {
      stopToken = command.data.toLowerCase()
      names.add(stopToken)
      seen.push(command)
    } else {
      seen.push(command)
    }
  }
  return seen
}
