import { AwsError } from '../protocol.ts'
import type { ParameterDefinition } from './documents.ts'

/** A resolved parameter value: a string, or a list for StringList parameters. */
export type ParameterValue = string | string[]

const PLACEHOLDER = /\{\{\s*([a-zA-Z0-9]+)\s*\}\}/g
/** `{{ssm:/name}}`: a value taken from Parameter Store when the command is sent. */
const STORE_REFERENCE = /^\{\{\s*ssm:([^\s}]+)\s*\}\}$/
const WHOLE_PLACEHOLDER = /^\s*\{\{\s*([a-zA-Z0-9]+)\s*\}\}\s*$/

/**
 * Checks SendCommand `Parameters` against the document the way the service does before anything runs:
 * unknown names, missing required values, allowedValues and allowedPattern all give InvalidParameters.
 * Defaults fill what was not given.
 */
export function resolveParameters(
  definitions: Record<string, ParameterDefinition>,
  given: Record<string, string[]>,
  parameterStore: (name: string) => string | undefined,
): Record<string, ParameterValue> {
  const fromStore = (value: string): string => {
    const name = STORE_REFERENCE.exec(value)?.[1]
    if (name === undefined) return value
    const stored = parameterStore(name)
    if (stored === undefined)
      throw invalid(`Parameter Store parameter ${name} referenced by {{ssm:${name}}} was not found.`)
    return stored
  }
  for (const name of Object.keys(given)) {
    if (!(name in definitions)) throw invalid(`Parameter "${name}" is not defined in the document.`)
  }
  const resolved: Record<string, ParameterValue> = {}
  for (const [name, def] of Object.entries(definitions)) {
    if (given[name] === undefined) {
      if (def.default === undefined) throw invalid(`Parameter "${name}" is required but was not supplied.`)
      const value = fromDefault(def.default)
      resolved[name] = typeof value === 'string' ? fromStore(value) : value
      continue
    }
    const values = given[name]?.map(fromStore) ?? []
    for (const value of values) checkValue(name, def, value)
    if (def.type === 'StringList') resolved[name] = values
    else if (values.length === 1) resolved[name] = values[0] as string
    else throw invalid(`Parameter "${name}" of type ${def.type} takes exactly one value.`)
  }
  return resolved
}

function checkValue(name: string, def: ParameterDefinition, value: string): void {
  if (def.allowedValues !== undefined && !def.allowedValues.includes(value)) {
    throw invalid(`Parameter "${name}" value "${value}" is not one of the allowed values.`)
  }
  if (def.allowedPattern !== undefined && !new RegExp(def.allowedPattern).test(value)) {
    throw invalid(
      `Parameter "${name}" "${value}" failed to satisfy constraint: does not match the allowed pattern.`,
    )
  }
}

function fromDefault(value: unknown): ParameterValue {
  if (Array.isArray(value)) return value.map(String)
  return typeof value === 'string' ? value : JSON.stringify(value)
}

/**
 * Replaces `{{ name }}` in step inputs as SSM Agent does: a string that is only a placeholder becomes the
 * raw value (a list expands into list items), an embedded one is replaced textually. No shell escaping,
 * which is why allowedPattern matters.
 */
export function substitute(value: unknown, params: Record<string, ParameterValue>): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE_PLACEHOLDER.exec(value)
    const name = whole?.[1]
    if (name !== undefined && name in params) return params[name]
    return value.replace(PLACEHOLDER, (text, key: string) => {
      const param = params[key]
      if (param === undefined) return text
      return typeof param === 'string' ? param : JSON.stringify(param)
    })
  }
  if (Array.isArray(value)) {
    return value.flatMap((item) => {
      const replaced = substitute(item, params)
      return typeof item === 'string' && Array.isArray(replaced) ? replaced : [replaced]
    })
  }
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, substitute(item, params)]))
  }
  return value
}

/** `SSM_<name>` variables for parameters declared with `interpolationType: ENV_VAR`. */
export function environmentFor(
  definitions: Record<string, ParameterDefinition>,
  params: Record<string, ParameterValue>,
): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [name, def] of Object.entries(definitions)) {
    const value = params[name]
    if (def.interpolationType !== 'ENV_VAR' || value === undefined) continue
    env[`SSM_${name}`] = typeof value === 'string' ? value : value.join(',')
  }
  return env
}

function invalid(message: string): AwsError {
  return new AwsError('InvalidParameters', message)
}
