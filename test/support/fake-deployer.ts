import type {
  Deployer,
  DeployOutcome,
  DeployRequest,
  PullOutcome,
  PullRequest,
  ReleaseRecord,
  ReleaseRef,
  RollbackRequest,
  ServiceStatus,
  UpkeepReport,
} from '../../agent/deploy/deployer.ts'

/** One recorded call, without the progress callback (functions do not compare). */
export type FakeCall =
  | {
      readonly method: 'deploy'
      readonly service: string
      readonly image: string
      readonly wait: boolean
      readonly release?: ReleaseRef
    }
  | {
      readonly method: 'pull'
      readonly service: string
      readonly image: string
      readonly release?: ReleaseRef
    }
  | { readonly method: 'rollback'; readonly service: string; readonly to: string | undefined }
  | { readonly method: 'status'; readonly service: string | undefined }
  | { readonly method: 'history'; readonly service: string }
  | { readonly method: 'reconcile' | 'prune' }
  | { readonly method: 'retire'; readonly service: string }

export const DIGEST_1 = `sha256:${'1'.repeat(64)}`
export const DIGEST_2 = `sha256:${'2'.repeat(64)}`
export const IMAGE_REPO = '123456789012.dkr.ecr.us-east-1.amazonaws.com/web'

export function release(
  id: string,
  digest: string,
  result: ReleaseRecord['result'] = 'deployed',
): ReleaseRecord {
  return { id, image: `${IMAGE_REPO}@${digest}`, digest, startedAt: '2026-01-01T00:00:00.000Z', result }
}

/**
 * A Deployer that records every call and answers with scripted behaviour. By default a deploy reports
 * two progress events and succeeds; tests replace `onDeploy` etc. to fail or to block.
 */
export class FakeDeployer implements Deployer {
  readonly calls: FakeCall[] = []
  onDeploy = async (request: DeployRequest): Promise<DeployOutcome> => {
    request.onProgress?.({ service: request.service, phase: 'pull', message: `pulling ${request.image}` })
    request.onProgress?.({ service: request.service, phase: 'health', message: 'healthy after 1 check' })
    return {
      service: request.service,
      result: 'deployed',
      release: release('r2', DIGEST_2),
      previous: release('r1', DIGEST_1),
      durationMs: 1234,
      message: `deployed ${request.image}`,
    }
  }
  onPull = async (request: PullRequest): Promise<PullOutcome> => {
    request.onProgress?.({ service: request.service, phase: 'pull', message: `pulling ${request.image}` })
    return {
      service: request.service,
      result: 'pulled',
      image: `${IMAGE_REPO}@${DIGEST_2}`,
      digest: DIGEST_2,
      durationMs: 55,
      message: `pulled ${IMAGE_REPO}@${DIGEST_2}; no container was changed`,
    }
  }
  onRollback = async (request: RollbackRequest): Promise<DeployOutcome> => ({
    service: request.service,
    result: 'rolled-back',
    release: release('r1', DIGEST_1, 'rolled-back'),
    previous: release('r2', DIGEST_2),
    durationMs: 321,
    message: 'rolled back to r1',
  })
  onStatus = async (service?: string): Promise<readonly ServiceStatus[]> => [
    {
      service: service ?? 'web',
      state: 'running',
      healthy: true,
      current: release('r2', DIGEST_2),
      previous: release('r1', DIGEST_1),
      containerId: 'abc123',
    },
  ]
  onHistory = async (_service: string): Promise<readonly ReleaseRecord[]> => [
    release('r2', DIGEST_2),
    release('r1', DIGEST_1),
  ]
  onReconcile = async (): Promise<UpkeepReport> => ({ actions: [] })
  onPrune = async (): Promise<UpkeepReport> => ({ actions: [] })
  onRetire = async (service: string): Promise<UpkeepReport> => ({
    actions: [`${service}: removed container x`],
  })

  deploy(request: DeployRequest): Promise<DeployOutcome> {
    this.calls.push({
      method: 'deploy',
      service: request.service,
      image: request.image,
      wait: request.wait ?? false,
      ...(request.release === undefined ? {} : { release: request.release }),
    })
    return this.onDeploy(request)
  }
  pull(request: PullRequest): Promise<PullOutcome> {
    this.calls.push({
      method: 'pull',
      service: request.service,
      image: request.image,
      ...(request.release === undefined ? {} : { release: request.release }),
    })
    return this.onPull(request)
  }
  rollback(request: RollbackRequest): Promise<DeployOutcome> {
    this.calls.push({ method: 'rollback', service: request.service, to: request.to })
    return this.onRollback(request)
  }
  status(service?: string): Promise<readonly ServiceStatus[]> {
    this.calls.push({ method: 'status', service })
    return this.onStatus(service)
  }
  history(service: string): Promise<readonly ReleaseRecord[]> {
    this.calls.push({ method: 'history', service })
    return this.onHistory(service)
  }
  reconcile(): Promise<UpkeepReport> {
    this.calls.push({ method: 'reconcile' })
    return this.onReconcile()
  }
  prune(): Promise<UpkeepReport> {
    this.calls.push({ method: 'prune' })
    return this.onPrune()
  }
  retire(service: string): Promise<UpkeepReport> {
    this.calls.push({ method: 'retire', service })
    return this.onRetire(service)
  }
}
