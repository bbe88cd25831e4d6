import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec'

/**
 * Checks a CloudFormation template against the resource model the AWS CDK team builds from the
 * CloudFormation registry schemas (@aws-cdk/aws-service-spec, offline). That model is not JSON Schema, so
 * this reads it directly: every Type exists, every property set exists, every required one is present, and
 * where the model gives a primitive type or allowed values the value fits. Intrinsic functions (`Ref`,
 * `Fn::*`) stand for any value: what they resolve to is CloudFormation's business at deploy time.
 */

type SpecType =
  | { readonly type: 'string'; readonly allowedValues?: readonly string[] }
  | { readonly type: 'integer'; readonly allowedValues?: readonly number[] }
  | { readonly type: 'number' | 'boolean' | 'json' | 'date-time' | 'null' | 'tag' }
  | { readonly type: 'ref'; readonly reference: { readonly $ref: string } }
  | { readonly type: 'array' | 'map'; readonly element: SpecType }
  | { readonly type: 'union'; readonly types: readonly SpecType[] }

type SpecProperties = Readonly<Record<string, { readonly type: SpecType; readonly required?: boolean }>>

export interface TemplateResources {
  readonly Resources: Readonly<Record<string, { readonly Type: string; readonly Properties?: unknown }>>
}

const db = loadAwsServiceSpecSync()

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isIntrinsic(value: unknown): boolean {
  if (!isRecord(value)) return false
  const keys = Object.keys(value)
  return keys.length === 1 && (keys[0] === 'Ref' || (keys[0]?.startsWith('Fn::') ?? false))
}

function describe(type: SpecType): string {
  if (type.type === 'union') return type.types.map(describe).join(' or ')
  if (type.type === 'array' || type.type === 'map') return `${type.type} of ${describe(type.element)}`
  return type.type
}

/** Problems of one value against one type, or [] when it fits. */
function valueProblems(value: unknown, type: SpecType, path: string): string[] {
  if (isIntrinsic(value)) return []
  const wrong = [`${path}: expected ${describe(type)}, got ${JSON.stringify(value)}`]
  switch (type.type) {
    case 'string':
    case 'date-time':
      if (typeof value !== 'string') return wrong
      if (type.type === 'string' && type.allowedValues && !type.allowedValues.includes(value)) {
        return [`${path}: ${JSON.stringify(value)} is not one of ${type.allowedValues.join(', ')}`]
      }
      return []
    case 'integer':
      if (!Number.isInteger(value)) return wrong
      if (type.allowedValues && !type.allowedValues.includes(value as number)) {
        return [`${path}: ${value} is not one of ${type.allowedValues.join(', ')}`]
      }
      return []
    case 'number':
      return typeof value === 'number' ? [] : wrong
    case 'boolean':
      return typeof value === 'boolean' ? [] : wrong
    case 'null':
      return value === null ? [] : wrong
    case 'json':
      return typeof value === 'object' && value !== null ? [] : wrong
    case 'tag':
      return isRecord(value) && typeof value.Key === 'string' && 'Value' in value ? [] : wrong
    case 'array':
      return Array.isArray(value)
        ? value.flatMap((v, i) => valueProblems(v, type.element, `${path}/${i}`))
        : wrong
    case 'map':
      return isRecord(value)
        ? Object.entries(value).flatMap(([k, v]) => valueProblems(v, type.element, `${path}/${k}`))
        : wrong
    case 'ref': {
      if (!isRecord(value)) return wrong
      const definition = db.get('typeDefinition', type.reference.$ref)
      return propertiesProblems(value, definition.properties, definition.name, path)
    }
    case 'union': {
      // No member fits: report the member the value came closest to (one whose shape it has), else the union.
      const each = type.types.map((t) => valueProblems(value, t, path))
      if (each.some((problems) => problems.length === 0)) return []
      const shaped = each.filter((problems) => !problems.every((p) => p.startsWith(`${path}: expected`)))
      return shaped.sort((a, b) => a.length - b.length)[0] ?? wrong
    }
  }
}

function propertiesProblems(
  given: Record<string, unknown>,
  spec: SpecProperties,
  owner: string,
  path: string,
): string[] {
  const problems: string[] = []
  for (const [name, value] of Object.entries(given)) {
    const property = spec[name]
    if (property === undefined) problems.push(`${path}/${name}: ${owner} has no property ${name}`)
    else problems.push(...valueProblems(value, property.type, `${path}/${name}`))
  }
  for (const [name, property] of Object.entries(spec)) {
    if (property.required && !(name in given)) problems.push(`${path}: ${owner} requires ${name}`)
  }
  return problems
}

/** Every way the template's resources disagree with the CloudFormation resource model; [] when none. */
export function resourceSpecProblems(template: TemplateResources): string[] {
  return Object.entries(template.Resources).flatMap(([id, resource]) => {
    const path = `Resources/${id}`
    const found = db.lookup('resource', 'cloudFormationType', 'equals', resource.Type)
    const spec = found[0]
    if (spec === undefined) return [`${path}/Type: no resource type ${resource.Type}`]
    const properties = resource.Properties ?? {}
    if (!isRecord(properties)) return [`${path}/Properties: expected an object`]
    return propertiesProblems(properties, spec.properties, resource.Type, `${path}/Properties`)
  })
}
