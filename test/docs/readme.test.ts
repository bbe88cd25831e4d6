import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Command } from 'commander'
import t from 'tap'
import { buildProgram as agentProgram } from '../../agent/cli/program.ts'
import { buildProgram as controllerProgram } from '../../controller/program.ts'
import { agentFileSchema } from '../../shared/agent-config/schema.ts'
import { catalogue, ExitCode } from '../../shared/errors.ts'

/*
 * Every command, flag, exit code and environment variable the README names is one the code has, and its
 * sample configuration is the shipped one. Pure: reads files and the CLIs' program definitions.
 */

const root = new URL('../..', import.meta.url).pathname
const readme = readFileSync(join(root, 'README.md'), 'utf8')

/** Shell lines of the fenced blocks (continuations joined) and the inline code spans, in order. */
function codeFragments(markdown: string): string[] {
  const fragments: string[] = []
  const fence = /^```[^\n]*\n([\s\S]*?)^```/gm
  for (const match of markdown.matchAll(fence)) {
    fragments.push(
      ...(match[1] ?? '')
        .replace(/\\\n\s*/g, ' ')
        .split('\n')
        .map((line) => line.trim()),
    )
  }
  const prose = markdown.replace(fence, '')
  for (const match of prose.matchAll(/`([^`\n]+)`/g)) fragments.push(match[1] ?? '')
  return fragments
}

interface Invocation {
  readonly cli: 'ecr-deploy' | 'ecr-deploy-agent'
  readonly words: readonly string[]
  readonly flags: readonly string[]
  readonly text: string
}

/** `ecr-deploy …` at a command's place: the start of a fragment, or after sudo, a path, `&&`, `;`, `|`, `(`. */
const AT_COMMAND = /(?:^|sudo\s+|\/usr\/local\/bin\/|(?:&&|\|\||[;|(])\s*)(ecr-deploy(?:-agent)?)(?=\s|$)/g

function invocations(fragment: string): Invocation[] {
  const found: Invocation[] = []
  for (const match of fragment.matchAll(AT_COMMAND)) {
    const cli = match[1] as Invocation['cli']
    const rest = untilCommandEnds(fragment.slice((match.index ?? 0) + match[0].length))
    const tokens = rest.trim().split(/\s+/).filter(Boolean)
    const words: string[] = []
    for (const token of tokens) {
      if (!/^[a-z][a-z-]*$/.test(token) || words.length === 2) break
      words.push(token)
    }
    const flags = [...rest.matchAll(/(?:^|[\s[])(--[a-z][a-z0-9-]*)/g)].map((m) => m[1] ?? '')
    found.push({ cli, words, flags, text: `${cli}${rest}`.trim() })
  }
  return found
}

/** Up to the end of the command: a redirection, `&&`, `;`, `#`, or a pipe outside [optional] brackets. */
function untilCommandEnds(text: string): string {
  let depth = 0
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i]
    if (c === '[') depth += 1
    else if (c === ']') depth = Math.max(0, depth - 1)
    else if (c === '>' || c === ';' || c === '#' || (c === '&' && text[i + 1] === '&'))
      return text.slice(0, i)
    else if (c === '|' && depth === 0) return text.slice(0, i)
  }
  return text
}

/** The subcommand the words name (`setup agents`, `deploy`), and the flags it accepts with its parents'. */
function resolve(program: Command, words: readonly string[]): { command: Command; path: string } | string {
  let command = program
  const path: string[] = []
  for (const word of words) {
    const sub = command.commands.find((c) => c.name() === word)
    if (!sub) {
      if (command === program || command.commands.length > 0)
        return `"${[program.name(), ...path, word].join(' ')}" is not a command`
      break
    }
    command = sub
    path.push(word)
  }
  if (command.commands.length > 0 && command !== program)
    return `"${[program.name(), ...path].join(' ')}" needs a subcommand`
  return { command, path: [program.name(), ...path].join(' ') }
}

function acceptedFlags(command: Command): Set<string> {
  const flags = new Set(['--help'])
  for (let c: Command | null = command; c; c = c.parent) {
    for (const option of c.options) if (option.long) flags.add(option.long)
  }
  if (command.parent === null) flags.add('--version')
  return flags
}

/** What is wrong with the README's use of the CLIs; empty when every command and flag exists. */
function cliProblems(markdown: string): string[] {
  const programs = { 'ecr-deploy': controllerProgram(() => {}), 'ecr-deploy-agent': agentProgram() }
  const problems: string[] = []
  for (const fragment of codeFragments(markdown)) {
    for (const call of invocations(fragment)) {
      if (call.words.length === 0 && call.flags.length === 0) continue // the name alone, in prose
      const resolved = resolve(programs[call.cli], call.words)
      if (typeof resolved === 'string') {
        problems.push(`${resolved}: ${call.text}`)
        continue
      }
      const accepted = acceptedFlags(resolved.command)
      for (const flag of call.flags) {
        if (!accepted.has(flag)) problems.push(`${resolved.path} has no ${flag}: ${call.text}`)
      }
    }
  }
  return problems
}

/** Rows of the tables under "### Exit codes": exit number and the codes named in that row. */
function exitRows(markdown: string): Array<{ exit: number; codes: string[]; line: string }> {
  const start = markdown.indexOf('### Exit codes')
  const end = markdown.indexOf('\n## ', start)
  const section = markdown.slice(start, end === -1 ? undefined : end)
  return section
    .split('\n')
    .filter((line) => /^\|\s*\d+\s*\|/.test(line))
    .map((line) => ({
      exit: Number(/^\|\s*(\d+)/.exec(line)?.[1]),
      codes: [...line.matchAll(/`(E_[A-Z_]+)`/g)].map((m) => m[1] ?? ''),
      line,
    }))
}

function exitProblems(markdown: string): string[] {
  const rows = exitRows(markdown)
  const problems: string[] = []
  if (rows.length === 0) problems.push('no exit-code table under "### Exit codes"')
  const known = new Set<number>(Object.values(ExitCode))
  for (const row of rows) {
    if (!known.has(row.exit)) problems.push(`exit ${row.exit} is not an exit code: ${row.line}`)
    for (const code of row.codes) {
      const entry = (catalogue as Record<string, { exitCode: number }>)[code]
      if (!entry) problems.push(`${code} is not in the catalogue`)
      else if (entry.exitCode !== row.exit)
        problems.push(`${code} exits ${entry.exitCode}, the README says ${row.exit}`)
    }
  }
  const tabled = new Set(rows.flatMap((row) => row.codes))
  for (const code of Object.keys(catalogue))
    if (!tabled.has(code)) problems.push(`${code} is in no exit-code table`)
  return problems
}

t.test('every ecr-deploy and ecr-deploy-agent command and flag in the README exists', async (t) => {
  t.strictSame(cliProblems(readme), [])
  const named = codeFragments(readme).flatMap(invocations)
  t.ok(named.length > 30, `the README's commands are found (${named.length})`)
})

t.test('a wrong command or flag is caught', async (t) => {
  t.strictSame(cliProblems('`ecr-deploy rollback --service web --targets tag:Role=web --force`'), [
    'ecr-deploy rollback has no --force: ecr-deploy rollback --service web --targets tag:Role=web --force',
  ])
  t.strictSame(cliProblems('```sh\necr-deploy setup agent --targets tag:Role=web\n```'), [
    '"ecr-deploy setup agent" is not a command: ecr-deploy setup agent --targets tag:Role=web',
  ])
  t.strictSame(cliProblems('`ecr-deploy-agent deploy --service web [--to r3] | jq --raw`'), [
    'ecr-deploy-agent deploy has no --to: ecr-deploy-agent deploy --service web [--to r3]',
  ])
  t.strictSame(
    cliProblems('`systemctl restart ecr-deploy-agent --now`, `journalctl -u ecr-deploy-agent`'),
    [],
  )
})

t.test("every exit code in the README's tables is the one the catalogue gives", async (t) => {
  t.strictSame(exitProblems(readme), [])
  t.strictSame(exitProblems('### Exit codes\n\n| 6 | `E_NO_PREVIOUS_RELEASE`, `E_AWS` | x |\n'), [
    'E_AWS exits 14, the README says 6',
    ...Object.keys(catalogue)
      .filter((code) => !['E_NO_PREVIOUS_RELEASE', 'E_AWS'].includes(code))
      .map((code) => `${code} is in no exit-code table`),
  ])
})

t.test("the README's sample agent.yaml is agent/config/agent.example.yaml", async (t) => {
  const example = readFileSync(join(root, 'agent/config/agent.example.yaml'), 'utf8')
  const blocks = [...readme.matchAll(/^```yaml\n([\s\S]*?)^```/gm)].map((m) => m[1] ?? '')
  const sample = blocks.find((block) => block.startsWith('# /etc/ecr-deploy/agent.yaml'))
  t.equal(sample, example)
})

t.test('the agent.yaml table names every key the schema accepts, and no other', async (t) => {
  const service = agentFileSchema.shape.services.valueType
  const probe = service.shape.healthCheck.unwrap()
  const allow = service.shape.allow.unwrap()
  const keys = [
    ...Object.keys(agentFileSchema.shape).filter((key) => key !== 'services'),
    'services.<name>',
    ...Object.keys(service.shape),
    ...Object.keys(probe.shape)
      .filter((key) => !['http', 'tcp', 'docker'].includes(key))
      .map((key) => `healthCheck.${key}`),
    ...Object.keys(allow.shape).map((key) => `allow.${key}`),
  ]
  const start = readme.indexOf('### agent.yaml')
  const table = readme.slice(start, readme.indexOf('\n### ', start + 1))
  const documented = [...table.matchAll(/^\| `([^`]+)`/gm)].map((m) => m[1])
  t.strictSame(documented.sort(), keys.sort())
})

t.test('every ECR_DEPLOY_ environment variable the README names is read by the code', async (t) => {
  const sources = ['agent', 'controller', 'shared']
    .flatMap((dir) =>
      readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' }).map((f) => join(dir, f)),
    )
    .filter((file) => /\.(ts|service)$/.test(file))
    .map((file) => readFileSync(join(root, file), 'utf8'))
    .join('\n')
  const named = new Set([...readme.matchAll(/ECR_DEPLOY_[A-Z_]+/g)].map((m) => m[0]))
  t.ok(named.size > 0)
  for (const name of named) t.ok(sources.includes(name), `${name} is in the code`)
})
