import { type ValidationError, validateAction, validateWorkflow } from '@action-validator/core'
import { parseDocument } from 'yaml'

/*
 * action.yml and the example workflow against the JSON schemas GitHub's own editor tooling uses
 * (@action-validator/core, offline), plus what only this repository knows: the workflow gives our action
 * only inputs it declares and reads only outputs it declares.
 */

interface ActionShape {
  runs?: { using?: unknown }
  inputs?: Record<string, { required?: boolean; default?: unknown }>
  outputs?: Record<string, unknown>
}

/** The runtime the action must declare. */
export const ACTION_RUNTIME = 'node24'

/** Problems in action.yml, one line each; none means it passes. */
export function lintAction(text: string): string[] {
  const problems: string[] = []
  const action = load<ActionShape>('action.yml', text, problems)
  if (problems.length > 0) return problems
  if (action.runs?.using !== ACTION_RUNTIME)
    problems.push(`action.yml: runs.using is ${String(action.runs?.using)}, expected ${ACTION_RUNTIME}`)
  // The validator's schema (0.6.0) predates node24 and knows node20 as its newest runtime; the runtime
  // is checked above, every other rule of the schema below.
  const known = { ...action, runs: { ...action.runs, using: 'node20' } }
  problems.push(...describe('action.yml', validateAction(JSON.stringify(known)).errors))
  return problems
}

/** Problems in a workflow that uses our action as `<owner>/ecr-ssm-deploy@<ref>`. */
export function lintWorkflow(name: string, text: string, actionText: string): string[] {
  const problems: string[] = []
  const action = load<ActionShape>('action.yml', actionText, [])
  const inputs = action.inputs ?? {}
  const outputs = new Set(Object.keys(action.outputs ?? {}))
  const workflow = load<{
    jobs?: Record<string, { steps?: Array<{ id?: string; uses?: string; with?: Record<string, unknown> }> }>
  }>(name, text, problems)
  if (problems.length > 0) return problems
  problems.push(...describe(name, validateWorkflow(text).errors))
  for (const [jobName, job] of Object.entries(workflow.jobs ?? {})) {
    for (const step of job.steps ?? []) {
      if (!/^[\w.-]+\/ecr-ssm-deploy@/.test(step.uses ?? '')) continue
      const given = Object.keys(step.with ?? {})
      for (const key of given.filter((key) => !(key in inputs)))
        problems.push(`${name}: jobs.${jobName}: input "${key}" is not declared in action.yml`)
      for (const [key, input] of Object.entries(inputs)) {
        if (input.required && !given.includes(key))
          problems.push(`${name}: jobs.${jobName}: required input "${key}" is not given`)
      }
      if (step.id === undefined) continue
      const read = text.matchAll(new RegExp(`steps\\.${step.id}\\.outputs\\.([\\w-]+)`, 'g'))
      for (const [, output] of read) {
        if (output !== undefined && !outputs.has(output))
          problems.push(`${name}: steps.${step.id}.outputs.${output} is not declared in action.yml`)
      }
    }
  }
  return problems
}

/** YAML the runner would refuse to load is a problem too, reported like the others. */
function load<T>(name: string, text: string, problems: string[]): T {
  const document = parseDocument(text)
  for (const error of document.errors) problems.push(`${name}: ${error.message.split('\n')[0]}`)
  return (document.errors.length > 0 ? {} : document.toJS()) as T
}

function describe(file: string, errors: readonly ValidationError[]): string[] {
  return errors.flatMap((error) => {
    const nested = 'states' in error ? (error.states ?? []).flatMap((state) => state.errors) : []
    const where = 'path' in error ? error.path || '/' : ''
    const line = `${file}: ${where} ${error.title}${error.detail ? `: ${error.detail}` : ''}`
    return nested.length > 0 ? [line, ...describe(`${file} (one of)`, nested)] : [line]
  })
}
