/** Platforms SSM reports for managed instances (`PlatformType`). */
export type Platform = 'Linux' | 'Windows' | 'MacOS'

/** What SSM Agent decides for a step from its `precondition`. */
export type StepDecision =
  | { readonly run: true }
  | { readonly run: false; readonly skipped: true; readonly output: string }
  | { readonly run: false; readonly skipped: false; readonly output: string }

/**
 * Evaluates a schema 2.2 step `precondition` as SSM Agent does: `StringEquals: [platformType, X]` (either
 * order) runs the step only on platform X; otherwise the step is skipped and reports Success with the
 * agent's message as its output. An operator or operand the agent does not know fails the step.
 */
export function decideStep(stepName: string, precondition: unknown, platform: Platform): StepDecision {
  if (precondition === undefined || precondition === null) return { run: true }
  const entries = typeof precondition === 'object' ? Object.entries(precondition) : []
  const unknown: string[] = []
  let allowed = true
  for (const [operator, operands] of entries) {
    const pair = Array.isArray(operands) ? operands.map(String) : []
    const value = pair[0] === 'platformType' ? pair[1] : pair[1] === 'platformType' ? pair[0] : undefined
    if (operator !== 'StringEquals' || pair.length !== 2 || value === undefined) {
      unknown.push(`"${operator}": [${pair.join(', ')}]`)
      continue
    }
    if (value !== platform) allowed = false
  }
  if (entries.length === 0 || unknown.length > 0) {
    return {
      run: false,
      skipped: false,
      output: `Unrecognized precondition(s): '${unknown.join(', ')}', please update agent to latest version. Step name: ${stepName}`,
    }
  }
  if (allowed) return { run: true }
  const text = entries.map(([operator, operands]) => `"${operator}": [${(operands as string[]).join(', ')}]`)
  return {
    run: false,
    skipped: true,
    output: `Step execution skipped due to unsatisfied preconditions: '${text.join(', ')}'. Step name: ${stepName}`,
  }
}
