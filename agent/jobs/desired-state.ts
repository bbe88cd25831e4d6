import { desiredParameterName } from '../../shared/agent-contract.ts'
import { BusyError, DeployToolError } from '../../shared/errors.ts'
import { parseImageRef } from '../../shared/image-ref.ts'
import type { Deployer, UpkeepReport } from '../deploy/deployer.ts'
import type { HoldStore } from '../state/hold-store.ts'

/** Where desired images are read; the SSM adapter fits. */
export interface DesiredStateSource {
  /** The parameter's value, or undefined when it does not exist. */
  find(name: string): Promise<string | undefined>
}

export interface DesiredStateDeps {
  readonly deployer: Deployer
  readonly source: DesiredStateSource
  /** Digests not to deploy until the parameter changes (rolled back from, or failed); kept on disk. */
  readonly holds: HoldStore
  /** The configured services; read at each run, so a reload takes effect. */
  readonly services: () => readonly string[]
  /** Told once per hold and daemon run why a parameter is not acted on. */
  readonly warn: (message: string) => void
  readonly now?: () => Date
}

/**
 * Brings each service to the image its parameter names. This is how an instance that Auto Scaling just
 * launched converges without any command sent to it. A digest on hold (an operator rolled back from it,
 * or its deploy failed and would only roll back again) is skipped until the parameter names another one.
 */
export function desiredStateJob(deps: DesiredStateDeps): () => Promise<UpkeepReport> {
  const warned = new Set<string>()
  const now = deps.now ?? (() => new Date())

  async function converge(service: string): Promise<string | undefined> {
    const parameter = desiredParameterName(service)
    const image = await deps.source.find(parameter)
    if (image === undefined) return undefined
    let digest: string | undefined
    try {
      digest = parseImageRef(image).digest
    } catch (error) {
      return `${service}: ignored ${parameter}: ${(error as Error).message}`
    }
    if (digest === undefined) return `${service}: ignored ${parameter}: "${image}" is not pinned to a digest`
    const hold = await deps.holds.read(service)
    // The parameter moved on: whoever changed it wants that image, so the hold has done its job.
    if (hold !== undefined && hold.digest !== digest) await deps.holds.release(service)
    else if (hold !== undefined) {
      const key = `${service} ${digest} ${hold.since}`
      if (!warned.has(key)) {
        warned.add(key)
        deps.warn(
          `${service}: not deploying ${image} from ${parameter}: on hold since ${hold.since} (${hold.reason}). ` +
            `Put another image in ${parameter} to release the hold (or deploy this one by hand).`,
        )
      }
      return undefined
    }
    const [status] = await deps.deployer.status(service)
    if (status?.state === 'deploying' || status?.current?.digest === digest) return undefined
    try {
      const outcome = await deps.deployer.deploy({ service, image })
      return `${service}: ${outcome.result} ${image} from ${parameter}`
    } catch (error) {
      if (error instanceof BusyError) return undefined
      const code = error instanceof DeployToolError ? error.code : 'E_INTERNAL'
      await deps.holds.write({
        service,
        digest,
        reason: `deploy from ${parameter} failed [${code}]`,
        since: now().toISOString(),
      })
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
