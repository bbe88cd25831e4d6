import { z } from 'zod'
import { envName, memorySchema, portSchema, probeSchema, volumeSchema } from './agent-config/schema.ts'
import { ENVIRONMENT_NAME_PATTERN } from './environment-name.ts'
import { PINNED_IMAGE_PATTERN } from './image-ref.ts'
import { SERVICE_NAME_PATTERN } from './service-name.ts'

/*
 * A release is a record, not a bare image. The controller writes it to Parameter Store as JSON, one
 * parameter per environment and service (`/ecr-deploy/<environment>/<service>`), each write a new version;
 * the SSM command names one version exactly (`/ecr-deploy/prod/web:7`) and the agent reads that version
 * with its instance role. The agent's file is the policy a release's spec must stay within.
 */

// The agent's file names its environment too, so the pattern lives beside the service name's.
export { ENVIRONMENT_NAME_PATTERN }

/** The root of every release parameter; nothing else (no secret) may live under it. */
export const RELEASE_PARAMETER_ROOT = '/ecr-deploy'

/** The format this code writes; a reader refuses any other. */
export const RELEASE_FORMAT = 1

/** Parameter Store's standard tier holds 4 KB per value. */
export const RELEASE_TEXT_LIMIT = 4096

export const ROLLOUT_STATES = ['rolling', 'stable', 'aborted'] as const
/**
 * rolling: SSM is carrying the release through the fleet; agents converge only instances that run no release
 * of the service, and those get the stable release it replaces. stable: every agent converges to it.
 * aborted: the rollout failed; agents converge to the stable release it replaced.
 */
export type RolloutState = (typeof ROLLOUT_STATES)[number]

const bare = (pattern: string) => pattern.replace(/^\^/, '').replace(/\$$/, '')
/** `/ecr-deploy/<environment>/<service>:<version>`, as the SSM document's allowedPattern admits it. */
export const RELEASE_SELECTOR_PATTERN = `^${RELEASE_PARAMETER_ROOT}/${bare(ENVIRONMENT_NAME_PATTERN)}/${bare(SERVICE_NAME_PATTERN)}:[1-9][0-9]{0,8}$`

export function releaseParameterName(environment: string, service: string): string {
  return `${RELEASE_PARAMETER_ROOT}/${environment}/${service}`
}

/** One version of a release parameter, as `GetParameter` takes it. */
export interface ReleaseSelector {
  readonly environment: string
  readonly service: string
  readonly version: number
}

export function releaseSelectorText(selector: ReleaseSelector): string {
  return `${releaseParameterName(selector.environment, selector.service)}:${selector.version}`
}

/** Parses `/ecr-deploy/<environment>/<service>:<version>`; undefined when the text is anything else. */
export function parseReleaseSelector(text: string): ReleaseSelector | undefined {
  if (!new RegExp(RELEASE_SELECTOR_PATTERN).test(text)) return undefined
  const [, environment = '', rest = ''] = text.slice(RELEASE_PARAMETER_ROOT.length).split('/')
  const [service = '', version = ''] = rest.split(':')
  return { environment, service, version: Number(version) }
}

/**
 * The part of a service's definition that travels with a release, written as in agent.yaml. Every key is
 * optional: a key the release leaves out takes the instance file's value. The agent checks the result against
 * its file's policy (repository, host ports, volume roots, parameter paths, limits) before anything changes.
 * There is deliberately no key for privileges, capabilities, devices, the user or the network.
 */
export const releaseSpecSchema = z.strictObject({
  command: z.array(z.string()).min(1).optional(),
  env: z.record(envName, z.string()).optional(),
  envFromParameters: z.record(envName, z.string().regex(/^\/[A-Za-z0-9_.\-/]{1,1010}$/)).optional(),
  healthCheck: probeSchema.optional(),
  ports: z.array(portSchema).optional(),
  volumes: z.array(volumeSchema).optional(),
  strategy: z.enum(['recreate', 'blue-green'], { error: 'expected "recreate" or "blue-green"' }).optional(),
  memory: memorySchema.optional(),
  cpus: z.number().positive({ error: 'expected a number above 0' }).optional(),
})

/** A spec as written (the JSON stored in the release). */
export type ReleaseSpecText = z.input<typeof releaseSpecSchema>
/** A spec with units normalised, as the agent applies it. */
export type ReleaseSpec = z.output<typeof releaseSpecSchema>

/** The spec as stored: kept as written, checked against releaseSpecSchema. */
const storedSpecSchema = z.record(z.string(), z.unknown()).superRefine((spec, ctx) => {
  const checked = releaseSpecSchema.safeParse(spec)
  if (checked.success) return
  for (const issue of checked.error.issues) {
    ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path, input: issue.input })
  }
})

const pinnedImage = z.string().regex(new RegExp(PINNED_IMAGE_PATTERN), {
  error:
    'expected a digest-pinned ECR image <account>.dkr.ecr.<region>.amazonaws.com/<repository>@sha256:<64 hex>',
})
const version = z.number().int().positive()

export const desiredReleaseSchema = z.strictObject({
  format: z.literal(RELEASE_FORMAT, { error: `expected format ${RELEASE_FORMAT}` }),
  environment: z.string().regex(new RegExp(ENVIRONMENT_NAME_PATTERN)),
  service: z.string().regex(new RegExp(SERVICE_NAME_PATTERN)),
  image: pinnedImage,
  spec: storedSpecSchema.default({}),
  state: z.enum(ROLLOUT_STATES),
  /** The stable release this one replaces (absent for a service's first release). */
  replaces: z.strictObject({ version, image: pinnedImage }).optional(),
  /** A rollback re-applies an earlier version's image and spec; this names that version. */
  restores: version.optional(),
  origin: z.strictObject({
    /** Who made it: the GitHub actor, or the local user name. */
    actor: z.string().min(1).max(100),
    /** The CI run that made it, when there is one. */
    runUrl: z
      .url({ protocol: /^https$/ })
      .max(500)
      .optional(),
    commit: z
      .string()
      .regex(/^[0-9a-f]{7,64}$/)
      .optional(),
    createdAt: z.iso.datetime(),
  }),
})

export type DesiredRelease = Omit<z.output<typeof desiredReleaseSchema>, 'spec'> & {
  readonly spec: ReleaseSpecText
}

/** The stored text: JSON with one key order whoever writes it. */
export function releaseText(release: DesiredRelease): string {
  return JSON.stringify({
    format: release.format,
    environment: release.environment,
    service: release.service,
    image: release.image,
    spec: release.spec,
    state: release.state,
    ...(release.replaces === undefined ? {} : { replaces: release.replaces }),
    ...(release.restores === undefined ? {} : { restores: release.restores }),
    origin: release.origin,
  })
}

export type ParsedRelease =
  | { readonly ok: true; readonly release: DesiredRelease }
  | { readonly ok: false; readonly problem: string }

/** Reads a stored release; a problem names the key at fault, for each side to wrap in its own error. */
export function parseRelease(text: string): ParsedRelease {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return { ok: false, problem: 'is not JSON (a bare image is the layout before releases were records)' }
  }
  const parsed = desiredReleaseSchema.safeParse(value)
  if (parsed.success) return { ok: true, release: parsed.data as DesiredRelease }
  const [issue] = parsed.error.issues
  const at = issue?.path.length ? issue.path.join('.') : '(top level)'
  return { ok: false, problem: `${at}: ${issue?.message ?? 'invalid'}` }
}

/** The spec with units normalised; the stored spec has already been checked, so this cannot fail. */
export function normalisedSpec(release: DesiredRelease): ReleaseSpec {
  return releaseSpecSchema.parse(release.spec)
}

/** The same release in another rollout state: the controller writes it as the parameter's next version. */
export function withState(release: DesiredRelease, state: RolloutState): DesiredRelease {
  return { ...release, state }
}

/** A version of the parameter, as read back. */
export interface ReleaseVersion {
  readonly version: number
  readonly release: DesiredRelease
}

/**
 * The stable release the parameter's newest version stands on: itself when stable, else the release it
 * replaces (undefined for a service whose first release is still rolling or was aborted).
 */
export function stableVersionOf(latest: ReleaseVersion): number | undefined {
  return latest.release.state === 'stable' ? latest.version : latest.release.replaces?.version
}

/**
 * Two specs ask for the same thing whatever their key order; none is `{}`. The same digest with another
 * spec is another release.
 */
export function sameSpec(a: ReleaseSpecText | undefined, b: ReleaseSpecText | undefined): boolean {
  return canonical(a ?? {}) === canonical(b ?? {})
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${canonical(inner)}`).join(',')}}`
  }
  return JSON.stringify(value)
}
