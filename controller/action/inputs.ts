import { UsageError } from '../../shared/errors.ts'
import type { DeployFlags } from '../options.ts'

/**
 * The part of `@actions/core` that reads inputs, in its own signatures, so that tests can hand in the
 * toolkit itself or a recording stand-in. Defaults are not repeated here: the runner sets every input
 * declared in action.yml, with its default when the workflow gives none.
 */
export interface ActionInputReader {
  getInput(name: string, options?: { required?: boolean }): string
  getBooleanInput(name: string, options?: { required?: boolean }): boolean
  getMultilineInput(name: string, options?: { required?: boolean }): string[]
}

/**
 * The action's inputs as the flags `ecr-deploy deploy` takes, so that both go through the same
 * validation (parseDeployFlags) before any AWS call. An empty optional input means "not given".
 * `instance-ids` is read line by line and each line may hold several ids separated by spaces or
 * commas; the flag parser splits them.
 */
export function deployFlagsFromInputs(read: ActionInputReader): DeployFlags {
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
  return {
    service: text('service', true),
    image: text('image', true),
    ...(targets === undefined ? {} : { targets }),
    ...(instanceIds.length === 0 ? {} : { instanceIds }),
    maxConcurrency: text('max-concurrency'),
    maxErrors: text('max-errors'),
    timeout: text('timeout'),
    ...(document === undefined ? {} : { document }),
    ...(region === undefined ? {} : { region }),
    ...(comment === undefined ? {} : { comment }),
    rollbackOnFailure: reading('rollback-on-failure', () => read.getBooleanInput('rollback-on-failure')),
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
