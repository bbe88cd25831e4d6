import { AwsError } from './protocol.ts'

/**
 * Checks a lifecycle policy text the way ECR's PutLifecyclePolicy does and throws
 * InvalidParameterException with ECR's message prefix otherwise. The archive features (transition,
 * sinceImagePulled) are rejected on purpose: the project never writes them.
 */
export function validateLifecyclePolicy(text: string): void {
  if (text.length < 100 || text.length > 30720) {
    fail(`lifecyclePolicyText length ${text.length} is outside 100..30720`)
  }
  let policy: unknown
  try {
    policy = JSON.parse(text)
  } catch {
    fail('the policy is not valid JSON')
  }
  const rules = (policy as { rules?: unknown } | null)?.rules
  if (!Array.isArray(rules) || rules.length === 0) fail("'rules' must be a non-empty array")
  const priorities = new Set<number>()
  let anyPriority: number | undefined
  for (const [index, rule] of (rules as unknown[]).entries()) {
    const where = `rules[${index}]`
    const checked = checkRule(rule, where)
    if (priorities.has(checked.priority)) fail(`${where}: rulePriority ${checked.priority} is not unique`)
    priorities.add(checked.priority)
    if (checked.tagStatus === 'any') anyPriority = checked.priority
  }
  if (anyPriority !== undefined && Math.max(...priorities) !== anyPriority) {
    fail("the rule with tagStatus 'any' must have the highest rulePriority")
  }
}

interface CheckedRule {
  readonly priority: number
  readonly tagStatus: string
}

function checkRule(rule: unknown, where: string): CheckedRule {
  if (typeof rule !== 'object' || rule === null) fail(`${where} must be an object`)
  const { rulePriority, selection, action, description } = rule as Record<string, unknown>
  if (!Number.isInteger(rulePriority) || (rulePriority as number) < 1) {
    fail(`${where}.rulePriority must be a positive integer`)
  }
  if (description !== undefined && typeof description !== 'string')
    fail(`${where}.description must be a string`)
  if ((action as { type?: unknown } | undefined)?.type !== 'expire')
    fail(`${where}.action.type must be 'expire'`)
  if (typeof selection !== 'object' || selection === null) fail(`${where}.selection is required`)
  const sel = selection as Record<string, unknown>
  const tagStatus = sel.tagStatus
  if (tagStatus !== 'tagged' && tagStatus !== 'untagged' && tagStatus !== 'any') {
    fail(`${where}.selection.tagStatus must be tagged, untagged or any`)
  }
  const lists = ['tagPrefixList', 'tagPatternList'].filter((key) => sel[key] !== undefined)
  if (tagStatus === 'tagged' && lists.length === 0) {
    fail(`${where}.selection: tagStatus 'tagged' needs tagPrefixList or tagPatternList`)
  }
  if (tagStatus !== 'tagged' && lists.length > 0) {
    fail(`${where}.selection: tagStatus '${tagStatus}' must not have ${lists.join(' or ')}`)
  }
  for (const key of lists) checkTagList(sel[key], `${where}.selection.${key}`, key === 'tagPatternList')
  checkCount(sel, where)
  return { priority: rulePriority as number, tagStatus }
}

function checkTagList(list: unknown, where: string, patterns: boolean): void {
  if (
    !Array.isArray(list) ||
    list.length === 0 ||
    !list.every((item) => typeof item === 'string' && item !== '')
  ) {
    fail(`${where} must be a non-empty list of strings`)
  }
  for (const item of list as string[]) {
    if (patterns && item.split('*').length - 1 > 4) fail(`${where}: '${item}' has more than 4 wildcards`)
  }
}

function checkCount(sel: Record<string, unknown>, where: string): void {
  const { countType, countNumber, countUnit } = sel
  if (!Number.isInteger(countNumber) || (countNumber as number) < 1) {
    fail(`${where}.selection.countNumber must be a positive integer`)
  }
  if (countType === 'imageCountMoreThan') {
    if (countUnit !== undefined) fail(`${where}.selection.countUnit is not allowed with imageCountMoreThan`)
  } else if (countType === 'sinceImagePushed') {
    if (countUnit !== 'days') fail(`${where}.selection.countUnit must be 'days' with sinceImagePushed`)
  } else {
    fail(`${where}.selection.countType must be imageCountMoreThan or sinceImagePushed`)
  }
}

function fail(reason: string): never {
  throw new AwsError(
    'InvalidParameterException',
    `Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure: ${reason}'`,
  )
}
