import { readFileSync } from 'node:fs'
import { parse } from 'yaml'

const root = new URL('../..', import.meta.url).pathname

/** The parts of action.yml the tests read. */
export interface ActionMetadata {
  readonly runs: { readonly using: string; readonly main?: string; readonly steps?: unknown }
  readonly inputs: Readonly<Record<string, { readonly required?: boolean; readonly default?: string }>>
  readonly outputs: Readonly<Record<string, { readonly description?: string; readonly value?: string }>>
}

export function actionMetadata(): ActionMetadata {
  return parse(readFileSync(`${root}action.yml`, 'utf8')) as ActionMetadata
}

/** The runner's variable for an input: upper case, spaces to underscores; dashes are kept. */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`
}

/**
 * The INPUT_* environment the runner gives a JavaScript action: every input the step's `with:` gives,
 * and the action.yml default of every other input that has one.
 */
export function runnerInputEnv(given: Readonly<Record<string, string>>): Record<string, string> {
  const { inputs } = actionMetadata()
  const unknown = Object.keys(given).filter((name) => !(name in inputs))
  if (unknown.length > 0) throw new Error(`action.yml declares no input ${unknown.join(', ')}`)
  const env: Record<string, string> = {}
  for (const [name, input] of Object.entries(inputs)) {
    const value = given[name] ?? input.default
    if (value !== undefined) env[inputVariable(name)] = value
  }
  return env
}

/** Reads a $GITHUB_OUTPUT file (`name<<DELIMITER` blocks, as the toolkit writes them) into a record. */
export function parseOutputFile(text: string): Record<string, string> {
  const values: Record<string, string> = {}
  const block = /^([^\n<]+)<<(\S+)\n([\s\S]*?)\n\2\n/gm
  for (const match of text.matchAll(block)) values[match[1] ?? ''] = match[3] ?? ''
  return values
}
