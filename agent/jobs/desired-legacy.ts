import { desiredParameterName } from '../../shared/agent-contract.ts'
import { BusyError, DeployToolError } from '../../shared/errors.ts'
import { parseImageRef } from '../../shared/image-ref.ts'
import type { DesiredStateDeps } from './desired-deps.ts'

/**
 * The layout before releases were records, read for one version while instances migrate: a bare
 * digest-pinned image in `/ecr-deploy/<service>`, deployed with the file's entry alone. `onFound` is
 * told when the old parameter exists (the job warns once that it is following it).
 */
export async function convergeLegacy(
  deps: DesiredStateDeps,
  service: string,
  warned: Set<string>,
  onFound: () => void,
): Promise<string | undefined> {
  const now = deps.now ?? (() => new Date())
  const parameter = desiredParameterName(service)
  const image = await deps.source.find(parameter)
  if (image === undefined) return undefined
  onFound()
  let digest: string | undefined
  try {
    digest = parseImageRef(image).digest
  } catch (error) {
    return `${service}: ignored ${parameter}: ${(error as Error).message}`
  }
  if (digest === undefined) return `${service}: ignored ${parameter}: "${image}" is not pinned to a digest`
  // The status first, then the hold: a rollback reads as deploying until its hold is written.
  const [status] = await deps.deployer.status(service)
  if (status?.state === 'deploying') return undefined
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
  if (status?.current?.digest === digest) return undefined
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
