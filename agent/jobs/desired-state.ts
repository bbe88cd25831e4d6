import { BusyError, DeployToolError } from '../../shared/errors.js'
import { parseImageRef } from '../../shared/image-ref.js'
import type { Deployer, UpkeepReport } from '../deploy/deployer.js'

/** Parameter Store prefix: `/ecr-deploy/<service>` holds the digest-pinned image the service should run. */
export const DESIRED_STATE_PREFIX = '/ecr-deploy/'

/** Where desired images are read; the SSM adapter fits. */
export interface DesiredStateSource {
  /** The parameter's value, or undefined when it does not exist. */
  find(name: string): Promise<string | undefined>
}

export interface DesiredStateDeps {
  readonly deployer: Deployer
  readonly source: DesiredStateSource
  /** The configured services; read at each run, so a reload takes effect. */
  readonly services: () => readonly string[]
  readonly prefix?: string
}

/**
 * Brings each service to the image its parameter names. This is how an instance that Auto Scaling just
 * launched converges without any command sent to it. A digest whose deploy failed is not retried on
 * every tick (it would roll back again and again); a new digest in the parameter is tried.
 */
export function desiredStateJob(deps: DesiredStateDeps): () => Promise<UpkeepReport> {
  const failedDigest = new Map<string, string>()
  const prefix = deps.prefix ?? DESIRED_STATE_PREFIX

  async function converge(service: string): Promise<string | undefined> {
    const parameter = `${prefix}${service}`
    const image = await deps.source.find(parameter)
    if (image === undefined) return undefined
    let digest: string | undefined
    try {
      digest = parseImageRef(image).digest
    } catch (error) {
      return `${service}: ignored ${parameter}: ${(error as Error).message}`
    }
    if (digest === undefined) return `${service}: ignored ${parameter}: "${image}" is not pinned to a digest`
    const [status] = await deps.deployer.status(service)
    if (status?.state === 'deploying' || status?.current?.digest === digest) return undefined
    if (failedDigest.get(service) === digest) return undefined
    try {
      const outcome = await deps.deployer.deploy({ service, image })
      failedDigest.delete(service)
      return `${service}: ${outcome.result} ${image} from ${parameter}`
    } catch (error) {
      if (error instanceof BusyError) return undefined
      failedDigest.set(service, digest)
      const code = error instanceof DeployToolError ? error.code : 'E_INTERNAL'
      return `${service}: deploy of ${image} from ${parameter} failed [${code}]: ${(error as Error).message}`
    }
  }

  return async () => {
    const actions: string[] = []
    for (const service of deps.services()) {
      // One service's failure (a missing permission, a bad image) must not keep the others from converging.
      try {
        const action = await converge(service)
        if (action !== undefined) actions.push(action)
      } catch (error) {
        const code = error instanceof DeployToolError ? error.code : 'E_INTERNAL'
        actions.push(`${service}: desired state not read [${code}]: ${(error as Error).message}`)
      }
    }
    return { actions }
  }
}
