import { desiredParameterName } from '../../shared/agent-contract.ts'
import { BusyError, DeployToolError } from '../../shared/errors.ts'
import { type ReleaseVersion, releaseParameterName, releaseSelectorText } from '../../shared/release.ts'
import { checkReleaseFor } from '../config/release-source.ts'
import type { UpkeepReport } from '../deploy/deployer.ts'
import { decideDesired, needsReplaced, type RunningRelease } from './desired-decision.ts'
import type { DesiredStateDeps } from './desired-deps.ts'
import { convergeLegacy } from './desired-legacy.ts'

export type { DesiredStateDeps, DesiredStateSource } from './desired-deps.ts'

/**
 * Brings each service to the release its parameter stands on, following the rollout (see
 * desired-decision.ts): this is how an instance that Auto Scaling just launched, or one that was offline,
 * converges without any command sent to it.
 */
export function desiredStateJob(deps: DesiredStateDeps): () => Promise<UpkeepReport> {
  const warned = new Set<string>()
  // The release each service's newest version replaces, as read for that newest version. A version's value
  // never changes, so while the newest stays the same (a rollout aborted and rolled back stays so until the
  // next deploy) it is not read again on every run. Keyed by the newest record too, not its number alone,
  // in case the parameter was deleted and written again from version 1.
  const replacedFor = new Map<string, { readonly latest: string; readonly replaced: ReleaseVersion }>()
  const once = (key: string, message: string): void => {
    if (warned.has(key)) return
    warned.add(key)
    deps.warn(message)
  }

  async function converge(service: string): Promise<string | undefined> {
    const environment = deps.environment()
    if (environment === undefined) {
      return convergeLegacy(deps, service, warned, () =>
        once(
          `legacy ${service}`,
          `${service}: the agent configuration names no environment, so desired state comes from the old ${desiredParameterName(service)}; ` +
            `add "environment: <name>" to it to follow /ecr-deploy/<environment>/${service}, where deploys write releases (the old parameter is read for one version only)`,
        ),
      )
    }
    const latest = await deps.releases.latest(environment, service)
    if (latest === undefined) {
      return convergeLegacy(deps, service, warned, () =>
        once(
          `legacy ${service}`,
          `${service}: ${releaseParameterName(environment, service)} does not exist yet, so desired state comes from the old ${desiredParameterName(service)}; ` +
            `deploy with \`ecr-deploy deploy --environment ${environment} --service ${service}\` to write a release (the old parameter is read for one version only)`,
        ),
      )
    }
    return convergeRelease(service, environment, latest)
  }

  async function convergeRelease(
    service: string,
    environment: string,
    latest: ReleaseVersion,
  ): Promise<string | undefined> {
    const expected = { environment, service, file: 'the agent configuration' }
    checkReleaseFor(latest, { environment, service, version: latest.version }, expected)
    const [status] = await deps.deployer.status(service)
    if (status?.state === 'deploying') return undefined
    const current: RunningRelease | undefined = status?.current && {
      digest: status.current.digest,
      ...(status.current.spec === undefined ? {} : { spec: status.current.spec }),
      ...(status.current.release === undefined ? {} : { release: status.current.release }),
    }
    const replaces = latest.release.replaces
    let replaced: ReleaseVersion | undefined
    if (replaces !== undefined && needsReplaced(latest, current)) {
      const key = JSON.stringify(latest)
      const known = replacedFor.get(service)
      if (known?.latest === key) {
        replaced = known.replaced
      } else {
        const selector = { environment, service, version: replaces.version }
        replaced = await deps.releases.release(selector)
        checkReleaseFor(replaced, selector, expected)
        replacedFor.set(service, { latest: key, replaced })
      }
    }
    const hold = await deps.holds.read(service)
    const action = decideDesired({
      latest,
      ...(replaced ? { replaced } : {}),
      ...(current ? { current } : {}),
      ...(hold ? { hold } : {}),
    })
    if (action.releaseHold) await deps.holds.release(service)
    if (action.kind === 'nothing') {
      if (action.held) {
        once(
          `${service} ${hold?.digest} ${hold?.since}`,
          `${service}: not deploying: ${action.reason}. Write another release to release the hold (or deploy this one by hand).`,
        )
      }
      return undefined
    }
    const { target } = action
    const selector = releaseSelectorText({ environment, service, version: target.version })
    try {
      const outcome = await deps.deployer.deploy({
        service,
        image: target.release.image,
        release: { selector, spec: target.release.spec },
      })
      return `${service}: ${outcome.result} ${selector} (${target.release.image}): ${action.reason}`
    } catch (error) {
      if (error instanceof BusyError) return undefined
      const code = error instanceof DeployToolError ? error.code : 'E_INTERNAL'
      await deps.holds.write({
        service,
        digest: target.release.image.slice(target.release.image.indexOf('@') + 1),
        spec: target.release.spec,
        release: selector,
        reason: `deploy of ${selector} failed [${code}]`,
        since: (deps.now ?? (() => new Date()))().toISOString(),
      })
      return `${service}: deploy of ${selector} failed [${code}]: ${(error as Error).message}`
    }
  }

  return async () => {
    const actions: string[] = []
    for (const service of deps.services()) {
      // One service's failure (a missing permission, a bad release) must not keep the others from converging.
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
