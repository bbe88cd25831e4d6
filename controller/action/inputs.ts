import { UsageError } from '../../shared/errors.ts'
import type { LockFlags } from '../lock/lock-options.ts'
import type { DeployFlags } from '../options.ts'

/**
 * The part of `@actions/core` that reads inputs, in its own signatures, so that tests can hand in the
 * toolkit itself or a recording stand-in. Defaults are not repeated here: the runner sets every input
 * declared in action.yml, with its default when the workflow gives none.
 */
export interface ActionInputReader {
  getInput(name: string, options?: { required?: boolean }): string
  getMultilineInput(name: string, options?: { required?: boolean }): string[]
}

/**
 * The action's inputs as the flags `ecr-deploy deploy` takes, so that both go through the same
 * validation (loadDeployOptions) before any AWS call. An empty optional input means "not given".
 * `instance-ids` is read line by line and each line may hold several ids separated by spaces or
 * commas; the flag parser splits them.
 */
export function deployFlagsFromInputs(read: ActionInputReader): DeployFlags & LockFlags {
  const text = (name: string, required = false) => reading(name, () => read.getInput(name, { required }))
  const optional = (name: string) => {
    const value = text(name)
    return value === '' ? undefined : value
  }
  const targets = optional('targets')
  const instanceIds = reading('instance-ids', () => read.getMultilineInput('instance-ids'))
  const document = optional('document')
  const region = optional('region')
  const comment = optional('comment')
  const environment = optional('environment')
  const spec = optional('spec')
  const maxSeverity = optional('max-severity')
  const scanTimeout = optional('scan-timeout')
  const keepDeployed = optional('keep-deployed')
  const allowUnscanned = optional('allow-unscanned')
  if (allowUnscanned !== undefined && allowUnscanned !== 'true' && allowUnscanned !== 'false') {
    throw new UsageError(`input allow-unscanned: "${allowUnscanned}" is not true or false`)
  }
  const rollout = Object.fromEntries(
    (['canary', 'waves', 'bake', 'alarm'] as const).flatMap((name) => {
      const value = optional(name)
      return value === undefined ? [] : [[name, value]]
    }),
  )
  const prepull = text('prepull')
  if (!['', 'true', 'false'].includes(prepull))
    throw new UsageError(`input prepull: "${prepull}" is not "true" or "false"`)
  return {
    service: text('service', true),
    image: text('image', true),
    ...(environment === undefined ? {} : { environment }),
    ...(spec === undefined ? {} : { spec }),
    ...(targets === undefined ? {} : { targets }),
    ...(instanceIds.length === 0 ? {} : { instanceIds }),
    maxConcurrency: text('max-concurrency'),
    maxErrors: text('max-errors'),
    timeout: text('timeout'),
    lockWait: text('lock-wait'),
    lockTtl: text('lock-ttl'),
    ...(document === undefined ? {} : { document }),
    ...(region === undefined ? {} : { region }),
    ...(comment === undefined ? {} : { comment }),
    ...(maxSeverity === undefined ? {} : { maxSeverity }),
    ...(scanTimeout === undefined ? {} : { scanTimeout }),
    ...(allowUnscanned === 'true' ? { allowUnscanned: true } : {}),
    ...(keepDeployed === undefined ? {} : { keepDeployed }),
    ...rollout,
    ...(prepull === 'false' ? { prepull: false } : {}),
  }
}

/** The toolkit throws plain errors for a missing or malformed input; ours name the input. */
function reading<T>(name: string, get: () => T): T {
  try {
    return get()
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    throw new UsageError(`input ${name}: ${message.replace(/\n/g, ' ')}`, { cause: error })
  }
}
