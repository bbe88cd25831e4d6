/**
 * A small IAM policy evaluator for the policies this tool writes: identity policies, evaluated as IAM does
 * for one request (an action on a resource, with request context keys). A request is allowed when some
 * statement allows it and none denies it. Actions match case-insensitively, resources case-sensitively,
 * both with `*` and `?` wildcards. Conditions: StringEquals and StringLike (any of several values); a key
 * missing from the context fails its condition. Any other operator throws, so a policy that uses one cannot
 * be judged by this evaluator by accident.
 */

export interface EvaluatedStatement {
  readonly Effect: 'Allow' | 'Deny'
  readonly Action: string | readonly string[]
  readonly Resource: string | readonly string[]
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>
}

export interface EvaluatedPolicy {
  readonly Statement: readonly EvaluatedStatement[]
}

export interface PolicyRequest {
  readonly action: string
  readonly resource: string
  readonly context?: Readonly<Record<string, string>>
}

/** Allowed by some statement of the policies (a role's inline and attached ones together), denied by none. */
export function allows(
  policies: EvaluatedPolicy | readonly EvaluatedPolicy[],
  request: PolicyRequest,
): boolean {
  const statements = (Array.isArray(policies) ? policies : [policies]).flatMap(
    (policy: EvaluatedPolicy) => policy.Statement,
  )
  const applying = statements.filter((statement) => applies(statement, request))
  return applying.some((s) => s.Effect === 'Allow') && !applying.some((s) => s.Effect === 'Deny')
}

function applies(statement: EvaluatedStatement, request: PolicyRequest): boolean {
  return (
    list(statement.Action).some((action) => wildcard(action, 'i').test(request.action)) &&
    list(statement.Resource).some((resource) => wildcard(resource).test(request.resource)) &&
    Object.entries(statement.Condition ?? {}).every(([operator, keys]) =>
      Object.entries(keys).every(([key, values]) => holds(operator, request.context?.[key], list(values))),
    )
  )
}

function holds(operator: string, value: string | undefined, expected: readonly string[]): boolean {
  if (operator === 'StringEquals') return value !== undefined && expected.includes(value)
  if (operator === 'StringLike') return value !== undefined && expected.some((e) => wildcard(e).test(value))
  throw new Error(`the policy evaluator does not know the condition operator ${operator}`)
}

/** `*` is any run of characters (slashes included, as in IAM ARNs), `?` any one character. */
export function wildcard(pattern: string, flags = ''): RegExp {
  const body = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('')
  return new RegExp(`^${body}$`, flags)
}

function list<T>(value: T | readonly T[]): readonly T[] {
  return Array.isArray(value) ? value : [value as T]
}
